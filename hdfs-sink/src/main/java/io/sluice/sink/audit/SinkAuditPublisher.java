package io.sluice.sink.audit;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.AuditBucket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the sink tier of tables to the audit topic from their journal heads (see {@link SinkTier}). Whoever
 * reads the heads calls {@link #publish} (the ingestion job does, on its own thread, in the launcher): each head
 * newer than what this publisher last sent for its source partition goes out with the buckets that changed, and
 * the first time in a process every bucket goes out, so a restart republishes everything the journals hold. Its
 * own producer has no interceptors: the audit does not audit itself.
 *
 * <p>Thread-safe ({@link #publish} is synchronized).
 */
public final class SinkAuditPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkAuditPublisher.class);

    private record Sent(long seq, Map<Long, AuditBucket> buckets, long caughtUpAt) {}

    private final AuditConfig config;
    private final Producer<byte[], byte[]> producer;
    private final Map<String, Sent> sent = new HashMap<>();
    private final Set<String> announced = new HashSet<>();
    /** Instances a send failed for: sent whole again at the next publish (written by the producer's thread). */
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    private boolean closed;

    public SinkAuditPublisher(AuditConfig config) {
        this(config, newProducer(config));
    }

    /** With a producer of the caller's (tests pass a {@code MockProducer}); closed with this publisher. */
    public SinkAuditPublisher(AuditConfig config, Producer<byte[], byte[]> producer) {
        this.config = config;
        this.producer = producer;
    }

    private static Producer<byte[], byte[]> newProducer(AuditConfig config) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-audit-sink");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Publishes what changed in {@code table}'s journal heads since the last call, and announces once each source
     * partition in {@code withRecords} that has no head yet (see {@link SinkTier#notStarted}). Returns the messages
     * sent.
     */
    public synchronized List<AuditMessage> publish(String table, Map<TopicPartition, JournalEntry> heads,
                                                   Collection<TopicPartition> withRecords) {
        return publish(table, heads, withRecords, Map.of());
    }

    /**
     * As {@link #publish(String, Map, Collection)}, with the source partitions whose journal had reached the log end
     * offset read at the given wall-clock time: their progress says caught up as of then, and a head already sent
     * goes out again as a progress-only message when that time rose (so an idle table's watermark keeps moving).
     */
    public synchronized List<AuditMessage> publish(String table, Map<TopicPartition, JournalEntry> heads,
                                                   Collection<TopicPartition> withRecords,
                                                   Map<TopicPartition, Long> caughtUpAt) {
        if (closed) {
            throw new IllegalStateException("sink audit publisher is closed");
        }
        for (String id : failed) {
            failed.remove(id);
            sent.remove(id);
            announced.remove(id);
        }
        List<AuditMessage> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (TopicPartition tp : withRecords) {
            String id = SinkTier.instanceId(table, tp);
            if (!heads.containsKey(tp) && announced.add(id)) {
                out.add(send(SinkTier.notStarted(table, tp, config.buckets().widthMillis(), now)));
            }
        }
        for (JournalEntry head : heads.values()) {
            TopicPartition tp = new TopicPartition(head.topic(), head.partition());
            String id = SinkTier.instanceId(table, tp);
            Sent before = sent.get(id);
            long upAt = caughtUpAt.getOrDefault(tp, AuditMessage.PartitionProgress.NEVER);
            if (head.audit() == null) {
                continue;
            }
            if (before != null && before.seq() >= head.seq()) {
                if (upAt > before.caughtUpAt()) {
                    out.add(send(SinkTier.message(table, head, b -> false, now, upAt)));
                    sent.put(id, new Sent(before.seq(), before.buckets(), upAt));
                }
                continue;
            }
            Map<Long, AuditBucket> last = before == null ? Map.of() : before.buckets();
            AuditMessage m = SinkTier.message(table, head, b -> !b.equals(last.get(b.start())), now, upAt);
            out.add(send(m));
            Map<Long, AuditBucket> current = new HashMap<>();
            head.audit().buckets().forEach(b -> current.put(b.start(), b));
            sent.put(id, new Sent(head.seq(), current, Math.max(upAt, before == null ? upAt : before.caughtUpAt())));
        }
        return out;
    }

    private AuditMessage send(AuditMessage m) {
        producer.send(new ProducerRecord<>(config.topic(), m.instanceId().getBytes(StandardCharsets.UTF_8), m.encode()),
                (md, e) -> {
                    if (e != null) {
                        failed.add(m.instanceId());
                        LOG.warn("audit message {} of {} not delivered ({}); its counts are sent whole at the next"
                                + " publish", m.seq(), m.instanceId(), e.toString());
                    }
                });
        return m;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.flush();
        } finally {
            producer.close();
        }
    }
}
