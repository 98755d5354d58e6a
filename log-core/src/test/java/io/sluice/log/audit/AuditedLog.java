package io.sluice.log.audit;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.Buckets;
import io.sluice.audit.Digest;
import io.sluice.audit.RecordDigest;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A log in a temporary directory, the Kafka-protocol server in front of it on a free 127.0.0.1 port and a
 * {@link LogAuditor} on it that publishes through that server; the auditor's thread is not started, tests
 * drive it with {@code scanNow()} and {@code publishNow()}. {@link #restart} and {@link #crash} stop all three
 * and open them again on the same directory.
 */
final class AuditedLog implements BeforeEachCallback, AfterEachCallback {
    static final Buckets BUCKETS = new Buckets(Duration.ofMinutes(1));
    static final String INSTANCE = LogAuditorConfig.instanceIdOf("audit-test", 0);

    private Path dir;
    LogManager log;
    KafkaServer server;
    LogAuditor auditor;
    MetricRegistry metrics;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("sluice-log-audit");
        open();
    }

    private void open() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        metrics = new MetricRegistry();
        AuditConfig audit = AuditConfig.from(Map.of("bootstrap.servers", bootstrap(),
                AuditConfig.BUCKET_MS, String.valueOf(BUCKETS.widthMillis())));
        auditor = LogAuditor.start(log, new LogAuditorConfig(audit, INSTANCE), metrics, System::currentTimeMillis, false);
    }

    /** Clean stop (auditor, server, log) and start again on the same directory. */
    void restart() {
        auditor.close();
        server.close();
        log.close();
        open();
    }

    /** As a crash would leave the directory: no audit checkpoint, no clean-shutdown marker; then start again. */
    void crash() {
        auditor.abort();
        server.close();
        log.abort();
        open();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            auditor.close();
            server.close();
            log.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    Path dir() {
        return dir;
    }

    /** One record as a producer sends it. */
    record Sent(String topic, int partition, long timestamp, byte[] key, byte[] value) {
        long hash() {
            return RecordDigest.of(key, value);
        }
    }

    /** Sends {@code records} with acks=all (so they are durable when this returns), compressed with {@code codec}. */
    void produce(List<Sent> records, String codec) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Sent s : records) {
                acks.add(producer.send(new ProducerRecord<>(s.topic(), s.partition(), s.timestamp(), s.key(), s.value())));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> f : acks) {
            f.get();
        }
    }

    /** What the log tier must report for {@code records}: per (topic, bucket start) the digest. */
    static Map<String, Map<Long, Digest>> expected(List<Sent> records) {
        Map<String, Map<Long, Digest>> out = new HashMap<>();
        for (Sent s : records) {
            out.computeIfAbsent(s.topic(), t -> new HashMap<>())
                    .merge(BUCKETS.startOf(s.timestamp()), Digest.EMPTY.plus(s.hash()), Digest::plus);
        }
        return out;
    }

    /** The auditor's counts in the same shape. */
    Map<String, Map<Long, Digest>> counted() {
        Map<String, Map<Long, Digest>> out = new HashMap<>();
        auditor.snapshot().forEach(b -> out.computeIfAbsent(b.topic(), t -> new HashMap<>())
                .put(b.bucketStart(), b.digest()));
        return out;
    }

    /** Every message in the audit topic, decoded, in offset order. */
    List<AuditMessage> auditMessages() {
        PartitionLog p = log.partition("_sluice_audit", 0);
        p.flush();
        List<AuditMessage> out = new ArrayList<>();
        long next = p.logStartOffset();
        while (next < p.highWatermark()) {
            ReadResult r = p.read(next, 1 << 20);
            for (RecordBatch b : r.records().batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= next) {
                        byte[] bytes = new byte[rec.valueSize()];
                        rec.value().get(bytes);
                        out.add(AuditMessage.decode(bytes));
                    }
                }
                next = b.lastOffset() + 1;
            }
        }
        return out;
    }
}
