package io.sluice.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one tier instance's counts to the audit topic, periodically and once more at close. Each
 * message holds the cumulative counts of the buckets that changed since the previous message, with a rising
 * sequence number; the aggregator keeps the highest sequence per (instance, topic, bucket), so a message that
 * is delivered twice or overtaken does no harm. Its own producer has no interceptors: the audit does not
 * audit itself.
 */
public final class AuditPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditPublisher.class);

    private record Key(String topic, long bucketStart) {}

    private final AuditCounter counter;
    private final String instanceId;
    private final boolean digests;
    private final AuditConfig config;
    private final Producer<byte[], byte[]> producer;
    private final ScheduledExecutorService timer;
    private final Map<Key, BucketCounts> lastSent = new HashMap<>();
    /** A producer's pending records (null for the other tiers, which report caught-up partitions themselves). */
    private final InFlight inFlight;
    private Map<TopicPartition, AuditCounter.Progress> lastProgress = Map.of();
    private long seq;
    private boolean closed;

    public AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config) {
        this(counter, instanceId, digests, config, newProducer(config, instanceId));
    }

    /**
     * A publisher for a tier whose counts survive restarts under a stable instance id (the log tier): its
     * sequence numbers continue above {@code lastSeq}, so that its messages supersede those of the instance's
     * earlier runs, and with {@code scheduled} false it has no timer and publishes only when {@link #publish}
     * is called (and at close), so that the tier can publish right after it has made its counts durable.
     */
    public AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config,
                          long lastSeq, boolean scheduled) {
        this(counter, instanceId, digests, config, newProducer(config, instanceId), lastSeq, scheduled);
    }

    /** A producer tier's: with nothing in flight at a publish, its partitions are caught up as of then. */
    AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config, InFlight inFlight) {
        this(counter, instanceId, digests, config, newProducer(config, instanceId), 0, true, inFlight);
    }

    AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config,
                   Producer<byte[], byte[]> producer) {
        this(counter, instanceId, digests, config, producer, 0, true, null);
    }

    AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config,
                   Producer<byte[], byte[]> producer, long lastSeq, boolean scheduled) {
        this(counter, instanceId, digests, config, producer, lastSeq, scheduled, null);
    }

    AuditPublisher(AuditCounter counter, String instanceId, boolean digests, AuditConfig config,
                   Producer<byte[], byte[]> producer, long lastSeq, boolean scheduled, InFlight inFlight) {
        this.counter = counter;
        this.inFlight = inFlight;
        this.instanceId = instanceId;
        this.digests = digests;
        this.config = config;
        this.producer = producer;
        this.seq = lastSeq;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-audit-publisher-" + instanceId);
            t.setDaemon(true);
            return t;
        });
        if (scheduled) {
            long every = config.publishInterval().toMillis();
            timer.scheduleWithFixedDelay(this::publishQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    static final java.time.Duration MAX_BLOCK = java.time.Duration.ofSeconds(5);
    static final java.time.Duration CLOSE_TIMEOUT = java.time.Duration.ofSeconds(5);

    private static Producer<byte[], byte[]> newProducer(AuditConfig config, String instanceId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-audit-" + instanceId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        // A broker that refuses (a full disk) or cannot be reached: retry less often than the default 100 ms
        // (each retry logs a warning) and never block the caller, or a shutdown, for Kafka's default 60 s.
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "500");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "10000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(MAX_BLOCK.toMillis()));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String instanceId() {
        return instanceId;
    }

    /** The sequence number of the last message published (the one it started above if none yet). */
    public synchronized long lastSeq() {
        return seq;
    }

    /**
     * Sends the buckets that changed since the last message, with the progress; returns the message, or null if
     * neither counts nor progress changed. An idle tier therefore sends a small message per interval whose caught-up
     * times keep its watermark moving.
     */
    public synchronized AuditMessage publish(boolean last) {
        if (inFlight != null) {
            long asOf = System.currentTimeMillis(); // read before the probe: every record sent before it had settled
            if (inFlight.idle()) {
                counter.caughtUpEverywhere(asOf);
            }
        }
        List<BucketCounts> changed = new ArrayList<>();
        for (BucketCounts b : counter.snapshot()) {
            Key k = new Key(b.topic(), b.bucketStart());
            BucketCounts before = lastSent.get(k);
            if (before == null || !before.digest().equals(b.digest()) || before.deadLettered() != b.deadLettered()
                    || before.filtered() != b.filtered() || before.latency().count() != b.latency().count()) {
                changed.add(b);
            }
        }
        Map<TopicPartition, AuditCounter.Progress> now = counter.progress();
        if (changed.isEmpty() && !last && now.equals(lastProgress)) {
            return null;
        }
        lastProgress = now;
        List<AuditMessage.PartitionProgress> progress = new ArrayList<>();
        now.forEach((tp, p) -> progress.add(p.toMessage(tp)));
        AuditMessage m = new AuditMessage(instanceId, counter.tier(), ++seq, System.currentTimeMillis(),
                counter.buckets().widthMillis(), last, digests, changed, progress);
        producer.send(new ProducerRecord<>(config.topic(), instanceId.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                m.encode()), (md, e) -> {
                    if (e != null) {
                        LOG.warn("audit message {} of {} not delivered ({}); the next one carries the same counts",
                                m.seq(), instanceId, e.toString());
                    }
                });
        for (BucketCounts b : changed) {
            lastSent.put(new Key(b.topic(), b.bucketStart()), b);
        }
        return m;
    }

    private void publishQuietly() {
        try {
            publish(false);
        } catch (RuntimeException e) {
            LOG.warn("publishing audit counts of {} failed; retried at the next interval", instanceId, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            publish(true);
        } catch (RuntimeException e) {
            LOG.warn("the last audit message of {} could not be sent ({}); the audit will show this instance as not "
                    + "closed", instanceId, e.toString());
        } finally {
            // bounded: a broker that is down or full must not hold a shutdown for the delivery timeout (2 min)
            producer.close(CLOSE_TIMEOUT);
        }
    }
}
