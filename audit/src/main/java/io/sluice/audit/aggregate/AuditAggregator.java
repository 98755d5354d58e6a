package io.sluice.audit.aggregate;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the audit topic into an {@link AuditLedger}, keeps it in an {@link AuditStore} and exposes the
 * audit's health as Dropwizard gauges.
 *
 * <pre>
 *   try (AuditAggregator a = AuditAggregator.open(settings, store, metrics)) {
 *       a.catchUp(Duration.ofMinutes(1));      // one-shot: up to the end offsets of now, then snapshot
 *       TopicView v = a.ledger().view("clicks");
 *   }
 *   // or, as a service: a.run() on a thread until a.close()
 * </pre>
 *
 * It assigns itself every partition of the audit topic (no consumer group: the snapshot holds the offsets),
 * seeks to the offsets stored with the snapshot, or to the beginning without one, and snapshots every
 * {@code snapshotInterval} and at the end. Because the ledger keeps the highest sequence per instance bucket,
 * replaying messages after a crash between two snapshots changes nothing.
 *
 * <p>Gauges: {@code sluice.audit.<topic>.completeness} (judged buckets that are COMPLETE / judged buckets,
 * NaN before any is judged), {@code sluice.audit.<topic>.pending} (PENDING buckets),
 * {@code sluice.audit.lag} (audit messages not consumed yet, at the last refresh), and the counter
 * {@code sluice.audit.undecodable}.
 *
 * <p>Threads: {@link #catchUp} and {@link #run} are called from one thread; {@link #close} from any thread
 * while {@link #run} runs, otherwise from the thread that called {@link #catchUp}.
 */
public final class AuditAggregator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditAggregator.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration REFRESH = Duration.ofSeconds(5);

    /**
     * @param retention buckets that started longer ago than this are forgotten (empty: kept for ever)
     */
    public record Settings(String bootstrapServers, String auditTopic, Duration snapshotInterval, Duration lateness,
                           Optional<Duration> retention) {
        public static Settings of(String bootstrapServers) {
            return new Settings(bootstrapServers, AuditConfig.DEFAULT_TOPIC, Duration.ofSeconds(10),
                    CompletenessJudge.DEFAULT_LATENESS, Optional.empty());
        }

        public Settings withAuditTopic(String topic) {
            return new Settings(bootstrapServers, topic, snapshotInterval, lateness, retention);
        }

        public Settings withLateness(Duration l) {
            return new Settings(bootstrapServers, auditTopic, snapshotInterval, l, retention);
        }

        public Settings withSnapshotInterval(Duration d) {
            return new Settings(bootstrapServers, auditTopic, d, lateness, retention);
        }

        public Settings withRetention(Duration d) {
            return new Settings(bootstrapServers, auditTopic, snapshotInterval, lateness, Optional.of(d));
        }
    }

    /** What the audit knows about one topic at the last refresh. */
    public record TopicHealth(int buckets, int pending, int complete, int problems) {
        public double completeness() {
            int judged = buckets - pending;
            return judged == 0 ? Double.NaN : (double) complete / judged;
        }
    }

    private final Settings settings;
    private final Consumer<byte[], byte[]> consumer;
    private final AuditStore store; // null: in memory only
    private final MetricRegistry metrics;
    private final CompletenessJudge judge;
    private final AuditLedger ledger;
    private final Map<Integer, Long> nextOffsets = new HashMap<>(); // guarded by this (snapshot reads it)
    private final Map<String, TopicHealth> health = new ConcurrentHashMap<>();
    private final Counter undecodable;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<TopicPartition> assigned = new ArrayList<>();
    private volatile long lag;
    private final Object lifecycle = new Object();
    private volatile boolean closed; // set under lifecycle
    private boolean running; // guarded by lifecycle
    private long lastSnapshot;
    private long lastRefresh;
    private boolean dirty;

    /** An aggregator with its own KafkaConsumer; {@code store} may be null to keep the state in memory only. */
    public static AuditAggregator open(Settings settings, AuditStore store, MetricRegistry metrics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-audit-aggregator");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        return new AuditAggregator(settings, new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                store, metrics);
    }

    /** With a given consumer (a test seam); the aggregator closes it. */
    public AuditAggregator(Settings settings, Consumer<byte[], byte[]> consumer, AuditStore store, MetricRegistry metrics) {
        this.settings = settings;
        this.consumer = consumer;
        this.store = store;
        this.metrics = metrics;
        this.judge = new CompletenessJudge(settings.lateness());
        AuditLedger restored = null;
        if (store != null) {
            Optional<AuditStore.Snapshot> s = store.load();
            if (s.isPresent()) {
                if (!s.get().auditTopic().equals(settings.auditTopic())) {
                    consumer.close();
                    throw new IllegalStateException("the audit state in " + store.dir() + " was built from the audit topic "
                            + s.get().auditTopic() + ", not " + settings.auditTopic() + "; use another state directory");
                }
                restored = s.get().ledger();
                nextOffsets.putAll(s.get().nextOffsets());
                LOG.info("Audit state loaded from {}: {} tier instances, resuming {} at {}", store.file(),
                        restored.instanceCount(), settings.auditTopic(), nextOffsets);
            }
        }
        this.ledger = restored != null ? restored : new AuditLedger();
        this.undecodable = metrics.counter("sluice.audit.undecodable");
        metrics.gauge("sluice.audit.lag", () -> () -> lag);
    }

    public AuditLedger ledger() {
        return ledger;
    }

    public CompletenessJudge judge() {
        return judge;
    }

    public Settings settings() {
        return settings;
    }

    /** The next offset to consume per audit-topic partition. */
    public synchronized Map<Integer, Long> nextOffsets() {
        return new HashMap<>(nextOffsets);
    }

    /** The health per topic computed at the last refresh (after a catch-up, or every few seconds in {@link #run}). */
    public Map<String, TopicHealth> health() {
        return Map.copyOf(health);
    }

    /** Audit messages not consumed yet, at the last refresh. */
    public long lag() {
        return lag;
    }

    /**
     * One-shot: consumes everything the audit topic holds now (up to its end offsets at the call), then
     * snapshots and refreshes the gauges. Returns how many audit messages were consumed.
     *
     * @throws IllegalStateException if the end was not reached within {@code timeout}
     */
    public long catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        assign(timeout);
        long consumed = 0;
        if (!assigned.isEmpty()) {
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
            while (!reached(end)) {
                if (closed) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the audit topic " + settings.auditTopic() + " was not read up to "
                            + end + " within " + timeout + " (at " + nextOffsets() + ")");
                }
                consumed += pollOnce();
            }
            lag = lagTo(end);
        }
        snapshot();
        refresh();
        return consumed;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition tp : assigned) {
            if (consumer.position(tp) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    /** Long-running: consumes until {@link #close}, snapshotting every snapshot interval and at the end. */
    public void run() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            running = true;
        }
        try {
            while (!closed) {
                try {
                    if (assigned.isEmpty() || System.nanoTime() - lastRefresh > REFRESH.toNanos() * 6) {
                        assign(Duration.ofSeconds(10)); // picks up the topic once it exists, and new partitions
                    }
                    pollOnce();
                    long now = System.nanoTime();
                    if (now - lastRefresh > REFRESH.toNanos()) {
                        lag = assigned.isEmpty() ? 0 : lagTo(consumer.endOffsets(assigned, Duration.ofSeconds(10)));
                        refresh();
                        lastRefresh = now;
                    }
                    if (dirty && now - lastSnapshot > settings.snapshotInterval().toNanos()) {
                        snapshot();
                    }
                } catch (WakeupException e) {
                    // close() woke us up
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    LOG.warn("The audit topic {} is not reachable at {} ({}); retrying", settings.auditTopic(),
                            settings.bootstrapServers(), e.getMessage());
                }
            }
            if (dirty) {
                snapshot();
            }
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    private void assign(Duration timeout) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(settings.auditTopic(), timeout);
        } catch (org.apache.kafka.common.errors.UnknownTopicOrPartitionException e) {
            infos = List.of();
        }
        List<TopicPartition> now = new ArrayList<>();
        for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
            now.add(new TopicPartition(i.topic(), i.partition()));
        }
        now.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        if (now.equals(assigned)) {
            return;
        }
        List<TopicPartition> added = new ArrayList<>(now);
        added.removeAll(assigned);
        consumer.assign(now);
        List<TopicPartition> fromStart = new ArrayList<>();
        synchronized (this) {
            for (TopicPartition tp : added) {
                Long next = nextOffsets.get(tp.partition());
                if (next != null) {
                    consumer.seek(tp, next);
                } else {
                    fromStart.add(tp);
                }
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
        assigned.clear();
        assigned.addAll(now);
        LOG.info("Consuming the audit topic {}: partitions {} (resumed: {})", settings.auditTopic(), now.size(),
                now.size() - fromStart.size());
    }

    private int pollOnce() {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            n++;
            try {
                ledger.apply(AuditMessage.decode(r.value()));
            } catch (RuntimeException e) {
                undecodable.inc();
                LOG.warn("Skipped {}-{}@{}: not an audit message ({})", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        }
        synchronized (this) {
            for (TopicPartition tp : assigned) {
                long pos = consumer.position(tp);
                Long before = nextOffsets.put(tp.partition(), pos);
                dirty |= before == null || before != pos;
            }
        }
        return n;
    }

    private long lagTo(Map<TopicPartition, Long> end) {
        long total = 0;
        for (TopicPartition tp : assigned) {
            total += Math.max(0, end.getOrDefault(tp, 0L) - consumer.position(tp));
        }
        return total;
    }

    /** Writes the snapshot now (nothing without a store). */
    public void snapshot() {
        settings.retention().ifPresent(r -> ledger.forgetBefore(System.currentTimeMillis() - r.toMillis()));
        if (store != null) {
            synchronized (this) {
                store.save(settings.auditTopic(), nextOffsets, ledger, System.currentTimeMillis());
            }
        }
        dirty = false;
        lastSnapshot = System.nanoTime();
    }

    /** Judges every topic and updates the gauges. */
    public void refresh() {
        for (String topic : ledger.topics()) {
            List<BucketVerdict> verdicts = judge.judge(ledger.view(topic));
            int pending = 0;
            int complete = 0;
            int problems = 0;
            for (BucketVerdict v : verdicts) {
                switch (v.status()) {
                    case PENDING -> pending++;
                    case COMPLETE -> complete++;
                    default -> problems++;
                }
            }
            if (health.put(topic, new TopicHealth(verdicts.size(), pending, complete, problems)) == null) {
                metrics.gauge(MetricRegistry.name("sluice.audit", topic, "completeness"),
                        () -> () -> health.get(topic).completeness());
                metrics.gauge(MetricRegistry.name("sluice.audit", topic, "pending"), () -> () -> health.get(topic).pending());
            }
        }
    }

    /** Stops {@link #run} (waiting for its last snapshot), or closes the consumer if it never ran. Idempotent. */
    @Override
    public void close() {
        boolean wasRunning;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            wasRunning = running;
        }
        if (wasRunning) {
            consumer.wakeup();
            try {
                if (!stopped.await(30, TimeUnit.SECONDS)) {
                    LOG.warn("The audit aggregator did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close();
        }
        metrics.removeMatching((name, metric) -> name.startsWith("sluice.audit."));
    }
}
