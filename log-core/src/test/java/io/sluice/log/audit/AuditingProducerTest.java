package io.sluice.log.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditInterceptor;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.AuditingProducer;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Digest;
import io.sluice.audit.RecordDigest;
import io.sluice.audit.Tier;
import io.sluice.log.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The producer tier on a real log-core server and real Kafka producers: {@link AuditingProducer} (counts and
 * digests of the serialized bytes) and {@link AuditInterceptor} (counts only), checked against what was sent,
 * against the log tier, and in the messages published to the audit topic.
 */
class AuditingProducerTest {
    private static final long MINUTE = 60_000;
    private static final long T0 = AuditedLog.BUCKETS.startOf(System.currentTimeMillis()) - 30 * MINUTE;

    @RegisterExtension
    final AuditedLog audited = new AuditedLog();

    /** Upper-cases every value before it is serialized: what is digested must be what the log holds. */
    public static final class UpperCase implements ProducerInterceptor<String, String> {
        static final AtomicInteger ACKS = new AtomicInteger();

        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            return new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(),
                    r.value() == null ? null : r.value().toUpperCase(java.util.Locale.ROOT), r.headers());
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            ACKS.incrementAndGet();
        }

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    /** Writes the record's {@code tag} header, a colon and the value: serializers must get the headers. */
    public static final class Tagged implements Serializer<String> {
        @Override
        public byte[] serialize(String topic, String data) {
            throw new AssertionError("the AuditingProducer must pass the headers");
        }

        @Override
        public byte[] serialize(String topic, Headers headers, String data) {
            return data == null ? null : (new String(headers.lastHeader("tag").value(), StandardCharsets.UTF_8) + ":" + data)
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, audited.bootstrap());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        c.put(AuditConfig.BUCKET_MS, String.valueOf(AuditedLog.BUCKETS.widthMillis()));
        c.put(AuditConfig.PUBLISH_INTERVAL_MS, "3600000"); // only at close
        return c;
    }

    /** {@code n} string records over {@code buckets} one-minute buckets and {@code partitions} partitions; some keys null. */
    private static List<ProducerRecord<String, String>> records(String topic, int partitions, int n, int buckets) {
        List<ProducerRecord<String, String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long ts = T0 + (i % buckets) * MINUTE + (i * 7919L) % MINUTE;
            RecordHeaders headers = new RecordHeaders();
            headers.add("tag", ("t" + i % 3).getBytes(StandardCharsets.UTF_8));
            out.add(new ProducerRecord<>(topic, i % partitions, ts, i % 7 == 0 ? null : "key-" + i,
                    "value " + i + " of " + topic, headers));
        }
        return out;
    }

    /** The bytes the log must hold for {@code r} after {@link UpperCase} and {@link Tagged}. */
    private static long hashAsSent(ProducerRecord<String, String> r) {
        byte[] key = r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8);
        String tag = new String(r.headers().lastHeader("tag").value(), StandardCharsets.UTF_8);
        byte[] value = (tag + ":" + r.value().toUpperCase(java.util.Locale.ROOT)).getBytes(StandardCharsets.UTF_8);
        return RecordDigest.of(key, value);
    }

    private static Map<String, Map<Long, Digest>> expected(List<ProducerRecord<String, String>> sent,
                                                           java.util.function.ToLongFunction<ProducerRecord<String, String>> hash) {
        Map<String, Map<Long, Digest>> out = new HashMap<>();
        for (ProducerRecord<String, String> r : sent) {
            out.computeIfAbsent(r.topic(), t -> new HashMap<>())
                    .merge(AuditedLog.BUCKETS.startOf(r.timestamp()), Digest.EMPTY.plus(hash.applyAsLong(r)), Digest::plus);
        }
        return out;
    }

    private static Map<String, Map<Long, Digest>> shape(List<BucketCounts> counts) {
        Map<String, Map<Long, Digest>> out = new HashMap<>();
        counts.forEach(b -> out.computeIfAbsent(b.topic(), t -> new HashMap<>()).put(b.bucketStart(), b.digest()));
        return out;
    }

    /** Per (topic, bucket) the counts of the highest-seq message of tier PRODUCER, as the aggregator keeps them. */
    private Map<String, Map<Long, BucketCounts>> publishedProducerCounts(List<AuditMessage> messages) {
        Map<String, Map<Long, BucketCounts>> out = new HashMap<>();
        Map<String, Map<Long, Long>> seqs = new HashMap<>();
        for (AuditMessage m : messages) {
            if (m.tier() != Tier.PRODUCER) {
                continue;
            }
            for (BucketCounts b : m.buckets()) {
                Long seen = seqs.computeIfAbsent(b.topic(), t -> new HashMap<>()).get(b.bucketStart());
                if (seen == null || seen < m.seq()) {
                    seqs.get(b.topic()).put(b.bucketStart(), m.seq());
                    out.computeIfAbsent(b.topic(), t -> new HashMap<>()).put(b.bucketStart(), b);
                }
            }
        }
        return out;
    }

    @Test
    void countsAndDigestsTheBytesTheLogAcknowledged() throws Exception {
        audited.log.createTopic("events", 3, Map.of());
        audited.log.createTopic("clicks", 1, Map.of());
        audited.log.createTopic("_internal", 1, Map.of());
        List<ProducerRecord<String, String>> audited1 = new ArrayList<>(records("events", 3, 600, 4));
        audited1.addAll(records("clicks", 1, 200, 2));
        List<ProducerRecord<String, String>> internal = records("_internal", 1, 50, 1);
        Map<String, Object> config = config();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, UpperCase.class.getName());
        UpperCase.ACKS.set(0);
        long[] caughtUpFrom = new long[1];
        AtomicInteger callbacks = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        String instanceId;
        // given an auditing producer with a key serializer from the configuration and a value serializer instance
        try (AuditingProducer<String, String> producer = new AuditingProducer<>(config, null, new Tagged())) {
            instanceId = producer.instanceId();
            // when it sends to audited topics and to an internal one
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (ProducerRecord<String, String> r : audited1) {
                acks.add(producer.send(r, (md, e) -> {
                    callbacks.incrementAndGet();
                    if (e != null) {
                        failure.set(e);
                    }
                }));
            }
            internal.forEach(producer::send);
            producer.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get();
            }
            // then its counts are those of the serialized bytes, per bucket, and the log holds the same records
            assertThat(failure.get()).isNull();
            assertThat(callbacks.get()).isEqualTo(audited1.size());
            assertThat(UpperCase.ACKS.get()).isEqualTo(audited1.size() + internal.size());
            Map<String, Map<Long, Digest>> expected = expected(audited1, AuditingProducerTest::hashAsSent);
            assertThat(shape(producer.counts())).isEqualTo(expected);
            assertThat(producer.progress())
                    .hasSize(4)
                    .allSatisfy((tp, p) -> assertThat(p.highestOffset())
                            .as("highest offset of %s", tp)
                            .isEqualTo(audited.log.partition(tp.topic(), tp.partition()).highWatermark() - 1));
            audited.auditor.scanNow();
            caughtUpFrom[0] = System.currentTimeMillis(); // everything sent is acknowledged: nothing in flight now
            Map<String, Map<Long, Digest>> log = audited.counted();
            log.remove("_internal");
            assertThat(log).as("the log tier's digests").isEqualTo(expected);
        }
        // and at close it published them, with digests
        List<AuditMessage> mine = audited.auditMessages().stream().filter(m -> m.instanceId().equals(instanceId)).toList();
        assertThat(mine).isNotEmpty().allSatisfy(m -> {
            assertThat(m.tier()).isEqualTo(Tier.PRODUCER);
            assertThat(m.digests()).isTrue();
        });
        assertThat(mine.get(mine.size() - 1).last()).isTrue();
        // with nothing in flight at close, every partition it wrote is caught up (the end of its run can be judged)
        assertThat(mine.get(mine.size() - 1).progress()).hasSize(4).allSatisfy(p ->
                assertThat(p.caughtUpAt()).as("%s", p).isGreaterThanOrEqualTo(caughtUpFrom[0]));
        assertThat(instanceId).startsWith("producer/");
        Map<String, Map<Long, BucketCounts>> published = publishedProducerCounts(mine);
        Map<String, Map<Long, Digest>> publishedDigests = new HashMap<>();
        published.forEach((t, bs) -> bs.forEach((start, b) -> {
            publishedDigests.computeIfAbsent(t, x -> new HashMap<>()).put(start, b.digest());
            assertThat(b.latency().count()).as("latencies of %s %d", t, start).isEqualTo(b.digest().count());
        }));
        assertThat(publishedDigests).isEqualTo(expected(audited1, AuditingProducerTest::hashAsSent));
    }

    @Test
    void failedSendsAreNotCounted() throws Exception {
        audited.log.createTopic("small", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "1024"));
        Map<String, Object> config = config();
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "8192");
        try (AuditingProducer<byte[], byte[]> producer = new AuditingProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // given records that fit, one the log refuses (over max.message.bytes) and one the client refuses
            // (over max.request.size)
            List<byte[]> good = new ArrayList<>();
            Digest want = Digest.EMPTY;
            for (int i = 0; i < 10; i++) {
                byte[] v = ("fits " + i).getBytes(StandardCharsets.UTF_8);
                good.add(v);
                want = want.plus(RecordDigest.of(null, v));
            }
            // when they are sent, the refused ones alone in their batches
            for (byte[] v : good.subList(0, 5)) {
                producer.send(new ProducerRecord<>("small", 0, T0, null, v)).get();
            }
            Future<RecordMetadata> serverRefused = producer.send(new ProducerRecord<>("small", 0, T0, null, new byte[4000]));
            // then both failures reach the sender
            assertThatThrownBy(serverRefused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            AtomicReference<Exception> inCallback = new AtomicReference<>();
            Future<RecordMetadata> clientRefused = producer.send(new ProducerRecord<>("small", 0, T0, null, new byte[10_000]),
                    (md, e) -> inCallback.set(e));
            assertThatThrownBy(clientRefused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            for (byte[] v : good.subList(5, 10)) {
                producer.send(new ProducerRecord<>("small", 0, T0, null, v)).get();
            }
            // and only the records the log holds are counted
            assertThat(inCallback.get()).isInstanceOf(RecordTooLargeException.class);
            assertThat(audited.log.partition("small", 0).highWatermark()).isEqualTo(10);
            List<BucketCounts> counts = producer.counts();
            Digest expected = want;
            assertThat(counts).singleElement().satisfies(b -> {
                assertThat(b.bucketStart()).isEqualTo(T0);
                assertThat(b.digest()).isEqualTo(expected);
            });
        }
    }

    @Test
    void interceptorOnlyProducerCountsWithoutDigests() throws Exception {
        audited.log.createTopic("events", 2, Map.of());
        List<ProducerRecord<String, String>> sent = records("events", 2, 300, 3);
        Map<String, Object> config = config();
        config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AuditInterceptor.class.getName());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "counting-only");
        // given a plain KafkaProducer with the audit interceptor
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            // when it sends
            for (ProducerRecord<String, String> r : sent) {
                producer.send(r);
            }
            producer.flush();
        }
        // then its messages count every record per bucket, without digests
        List<AuditMessage> mine = audited.auditMessages().stream()
                .filter(m -> m.tier() == Tier.PRODUCER && m.instanceId().contains("/counting-only/")).toList();
        assertThat(mine).isNotEmpty().allSatisfy(m -> assertThat(m.digests()).isFalse());
        Set<String> instances = new HashSet<>();
        mine.forEach(m -> instances.add(m.instanceId()));
        assertThat(instances).hasSize(1);
        Map<Long, Long> want = new HashMap<>();
        sent.forEach(r -> want.merge(AuditedLog.BUCKETS.startOf(r.timestamp()), 1L, Long::sum));
        Map<Long, Long> counted = new HashMap<>();
        publishedProducerCounts(mine).get("events").forEach((start, b) -> counted.put(start, b.digest().count()));
        assertThat(counted).isEqualTo(want);
        assertThat(publishedProducerCounts(mine).get("events").values())
                .allSatisfy(b -> assertThat(b.digest().sum()).isZero());
    }

    @Test
    void refusesTheAuditInterceptorBesideIt() {
        Map<String, Object> config = config();
        config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, List.of(UpperCase.class, AuditInterceptor.class));
        assertThatThrownBy(() -> new AuditingProducer<>(config, new StringSerializer(), new StringSerializer()).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("counted twice");
    }

    @Test
    void refusesAMissingSerializer() {
        assertThatThrownBy(() -> new AuditingProducer<String, String>(config(), new StringSerializer(), null).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    }

}
