package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.AuditingProducer;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.log.PartitionLog;
import io.sluice.log.audit.LogAuditor;
import io.sluice.log.audit.LogAuditorConfig;
import io.sluice.registry.client.AvroSerializer;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import io.sluice.sink.audit.WarehouseVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Every audit tier around one {@link IngestEnvironment}, the real parts in this JVM: producers that audit
 * ({@link AuditingProducer}, digests included), the log tier counting log-core ({@link LogAuditor}), ingestion jobs
 * on the DirectRunner publishing the sink tier, and the warehouse tier ({@link WarehouseVerifier}), all publishing
 * to the audit topic, which {@link #verdicts} reads from its start and judges. One per test class; each test uses
 * its own topic and table ({@link #ingest}: tables under {@code /wh-<topic>}).
 */
final class AuditedStack implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(60);
    /** The log tier's instance id: the same across its restarts, so its counts continue. */
    static final String LOG_TIER = LogAuditorConfig.instanceIdOf("audit-test", 0);

    final IngestEnvironment env;
    final AuditConfig audit;
    private LogAuditor logTier;
    /** An unaudited producer of raw bytes: audit messages (the warehouse's, re-sent ones) and re-sent records. */
    private final KafkaProducer<byte[], byte[]> raw;
    private final KafkaConsumer<byte[], byte[]> auditReader;
    private final TopicPartition auditPartition;
    private final List<ConsumerRecord<byte[], byte[]>> auditRecords = new ArrayList<>();
    private final List<AuditMessage> auditMessages = new ArrayList<>();

    private AuditedStack(IngestEnvironment env) {
        this.env = env;
        this.audit = AuditConfig.from(Map.of("bootstrap.servers", env.bootstrap(),
                AuditConfig.PUBLISH_INTERVAL_MS, "500"));
        this.logTier = startLogTier();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.auditReader = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.auditPartition = new TopicPartition(audit.topic(), 0);
        auditReader.assign(List.of(auditPartition));
        auditReader.seekToBeginning(List.of(auditPartition));
    }

    static AuditedStack start(Path dir) throws Exception {
        IngestEnvironment env = IngestEnvironment.start(dir);
        try {
            return new AuditedStack(env);
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    private LogAuditor startLogTier() {
        return LogAuditor.start(env.log, new LogAuditorConfig(audit, LOG_TIER).withScanInterval(Duration.ofMillis(200)),
                new MetricRegistry());
    }

    /** Stops the log tier (it counts what became durable, checkpoints and says goodbye) and starts it again. */
    void restartLogTier() {
        logTier.close();
        logTier = startLogTier();
    }

    // ---- the producer tier

    /** A producer that audits, configured by properties alone as an application would be. */
    AuditingProducer<String, Object> producer() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
        p.put("schema.registry.url", env.registryUrl());
        p.put(AuditConfig.PUBLISH_INTERVAL_MS, "500");
        return new AuditingProducer<>(p);
    }

    /** Sends records [{@code fromIndex}, {@code toIndex}) of {@code batch} (key: the id) and waits for every ack. */
    static void send(Producer<String, Object> producer, String topic, Integer partition, AuditBatch batch,
                     int fromIndex, int toIndex) {
        AtomicReference<Exception> failed = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        for (int i = fromIndex; i < toIndex; i++) {
            GenericRecord r = batch.record(i);
            producer.send(new ProducerRecord<>(topic, partition, batch.timestamp(i), batch.id(i), r), (m, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                } else {
                    acked.incrementAndGet();
                }
            });
        }
        producer.flush();
        assertThat(failed.get()).as("first failed send to %s", topic).isNull();
        assertThat(acked.get()).as("records of %s acknowledged", batch.prefix()).isEqualTo(toIndex - fromIndex);
    }

    /** Sends the whole batch through a new auditing producer and closes it, which publishes its last counts. */
    void produce(String topic, Integer partition, AuditBatch batch) {
        try (AuditingProducer<String, Object> p = producer()) {
            send(p, topic, partition, batch, 0, batch.count());
        }
    }

    /**
     * Sends records [{@code fromIndex}, {@code toIndex}) of {@code batch} again, the same key and value bytes with the
     * same timestamps, through a producer that does not audit: a retry its producer never counted.
     */
    void resendUnaudited(String topic, Integer partition, AuditBatch batch, int fromIndex, int toIndex) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
        p.put("schema.registry.url", env.registryUrl());
        try (KafkaProducer<String, Object> plain = new KafkaProducer<>(p)) {
            send(plain, topic, partition, batch, fromIndex, toIndex);
        }
    }

    // ---- the pipeline, the sink tier and the warehouse tier

    /** The topic's pipeline: its table under {@code /wh-<topic>}, written with {@code codec}, committed each second. */
    SluiceIngest ingest(String topic, String codec) {
        String warehouse = "/wh-" + topic;
        TableSpec template = TableSpec.builder("template", env.hdfs(warehouse + "/template"))
                .commitInterval(Duration.ofSeconds(1))
                .codec(codec)
                .build();
        return SluiceIngest.create()
                .withBootstrapServers(env.bootstrap())
                .withTopics(List.of(topic))
                .withSchemaRegistryUrl(env.registryUrl())
                .withTables(TableResolver.underWarehouse(env.hdfs(warehouse), template))
                .withHadoopConfiguration(IngestEnvironment.HADOOP);
    }

    /** A job on the DirectRunner that publishes the sink tier to the audit topic (not started). */
    IngestionJob job(SluiceIngest ingest) {
        return IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT)
                .discoveryInterval(Duration.ofSeconds(1)).audit(audit).build();
    }

    /** Runs a job until it has committed everything the log holds, then closes it (publishing the last commits). */
    /** A one-partition topic holding {@code batch} from the auditing producer, ingested whole into a table. */
    SluiceIngest committed(String topic, AuditBatch batch, String codec) throws InterruptedException {
        env.createTopic(topic, 1);
        produce(topic, 0, batch);
        SluiceIngest ingest = ingest(topic, codec);
        ingestAll(ingest);
        return ingest;
    }

    void ingestAll(SluiceIngest ingest) throws InterruptedException {
        ingestAll(ingest, PATIENCE);
    }

    void ingestAll(SluiceIngest ingest, Duration patience) throws InterruptedException {
        try (IngestionJob job = job(ingest)) {
            job.start();
            assertThat(job.awaitCaughtUp(patience)).as("caught up within %s: %s", patience, job).isTrue();
        }
    }

    static TableSpec table(SluiceIngest ingest, String topic) {
        return ingest.tables().tableFor(topic);
    }

    static TableReader reader(SluiceIngest ingest, String topic) {
        return TableReader.open(table(ingest, topic), IngestEnvironment.hadoopConf());
    }

    /** Recounts the table's committed files and publishes the warehouse tier's message to the audit topic. */
    WarehouseVerifier.Result verifyWarehouse(SluiceIngest ingest, String topic) throws Exception {
        WarehouseVerifier.Result r = WarehouseVerifier.open(table(ingest, topic), IngestEnvironment.hadoopConf())
                .verify();
        AuditMessage m = r.message(System.currentTimeMillis());
        raw.send(new ProducerRecord<>(audit.topic(), m.instanceId().getBytes(StandardCharsets.UTF_8), m.encode()))
                .get();
        return r;
    }

    // ---- the audit topic and the judge

    /** Every audit message published so far: the audit topic from its start up to its end now. */
    synchronized List<AuditMessage> auditMessages() {
        long end = auditReader.endOffsets(List.of(auditPartition)).get(auditPartition);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (auditReader.position(auditPartition) < end) {
            assertThat(System.nanoTime()).as("audit topic read up to offset %d", end).isLessThan(deadline);
            for (ConsumerRecord<byte[], byte[]> r : auditReader.poll(Duration.ofMillis(200))) {
                auditRecords.add(r);
                auditMessages.add(AuditMessage.decode(r.value()));
            }
        }
        return List.copyOf(auditMessages);
    }

    /** Appends every audit message published so far to the audit topic again, byte for byte; returns how many. */
    int resendAllAuditMessages() throws Exception {
        auditMessages();
        List<ConsumerRecord<byte[], byte[]>> all;
        synchronized (this) {
            all = List.copyOf(auditRecords);
        }
        for (ConsumerRecord<byte[], byte[]> r : all) {
            raw.send(new ProducerRecord<>(audit.topic(), r.key(), r.value()));
        }
        raw.flush();
        return all.size();
    }

    /** A ledger of every audit message published so far. */
    AuditLedger ledger() {
        AuditLedger ledger = new AuditLedger();
        auditMessages().forEach(ledger::apply);
        return ledger;
    }

    /**
     * Waits until the log tier has published counts up to the last record {@code topic} holds now (it counts in the
     * background); the other tiers publish when they close.
     */
    void awaitLogTier(String topic) throws InterruptedException {
        Map<TopicPartition, Long> last = new HashMap<>();
        for (PartitionLog p : env.log.partitions(topic)) {
            if (p.highWatermark() > p.logStartOffset()) {
                last.put(p.topicPartition(), p.highWatermark() - 1);
            }
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Map<TopicPartition, Long> counted = new HashMap<>();
            for (AuditMessage m : auditMessages()) {
                if (m.tier() == Tier.LOG) {
                    m.progress().forEach(p -> counted.merge(p.partition(), p.highestOffset(), Math::max));
                }
            }
            if (last.entrySet().stream().allMatch(e -> counted.getOrDefault(e.getKey(), -1L) >= e.getValue())) {
                return;
            }
            counted.keySet().retainAll(last.keySet());
            assertThat(System.nanoTime()).as("log tier published %s up to the last offsets %s, so far %s", topic,
                    last, counted).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The judge's verdicts on every bucket of {@code topic}, from the audit topic, once the log tier caught up. */
    List<BucketVerdict> verdicts(String topic, Duration allowedLateness) throws InterruptedException {
        awaitLogTier(topic);
        return new CompletenessJudge(allowedLateness).judge(ledger().view(topic));
    }

    @Override
    public void close() {
        try {
            try {
                logTier.close();
            } finally {
                auditReader.close();
                raw.close();
            }
        } finally {
            env.close();
        }
    }
}
