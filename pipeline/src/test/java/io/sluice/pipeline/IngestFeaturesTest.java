package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.log.audit.LogAuditor;
import io.sluice.log.audit.LogAuditorConfig;
import io.sluice.sink.audit.WarehouseVerifier;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters, schema evolution while running, and many topics by pattern with a topic and a partition added while
 * running; on the DirectRunner against log-core, the registry and HDFS.
 */
class IngestFeaturesTest {
    static final Duration PATIENCE = Duration.ofSeconds(45);

    @TempDir
    static Path dir;
    static IngestEnvironment env;

    @BeforeAll
    static void start() throws Exception {
        env = IngestEnvironment.start(dir);
    }

    @AfterAll
    static void stop() {
        if (env != null) {
            env.close();
        }
    }

    static IngestionJob direct(SluiceIngest ingest) {
        return IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT)
                .discoveryInterval(Duration.ofSeconds(1)).build();
    }

    /** Refuses page views whose id starts with "poison". */
    static final class RefusePoison implements RecordTransform {
        private static final long serialVersionUID = 1L;

        @Override
        public GenericRecord apply(GenericRecord r) {
            if (r.get("id").toString().startsWith("poison")) {
                throw new IllegalStateException("poisoned page view " + r.get("id"));
            }
            return r;
        }
    }

    static byte[] framed(int schemaId, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    static byte[] avro(GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    /** Refuses "poison…" page views and filters "skip…" ones out. */
    static final class RefusePoisonSkipSkips implements RecordTransform {
        private static final long serialVersionUID = 1L;

        @Override
        public GenericRecord apply(GenericRecord r) {
            String id = r.get("id").toString();
            if (id.startsWith("poison")) {
                throw new IllegalStateException("poisoned page view " + id);
            }
            return id.startsWith("skip") ? null : r;
        }
    }

    @Test
    void logSinkAndWarehouseTiersAgreeOnEveryBucketRecordForRecord() throws Exception {
        // given the log tier counting in log-core, and rows, a refused record and filtered records in one topic
        String topic = "audited";
        env.createTopic(topic, 1); // one partition: every tier's watermark is that of the last record
        try {
            env.createTopic(AuditConfig.DEFAULT_TOPIC, 1);
        } catch (RuntimeException e) {
            // made by another test of this class
        }
        AuditConfig audit = AuditConfig.from(Map.of("bootstrap.servers", env.bootstrap(),
                AuditConfig.PUBLISH_INTERVAL_MS, "500"));
        List<GenericRecord> views = new ArrayList<>(Rows.pageViews("g", 60, 1));
        views.set(10, Rows.pageView("poison10", (Long) views.get(10).get("viewed_at")));
        views.set(20, Rows.pageView("skip20", (Long) views.get(20).get("viewed_at")));
        views.set(21, Rows.pageView("skip21", (Long) views.get(21).get("viewed_at")));
        SluiceIngest ingest = env.ingest("/audited", List.of(topic)).withTransform(new RefusePoisonSkipSkips());
        try (LogAuditor logTier = LogAuditor.start(env.log, new LogAuditorConfig(audit, "log/test/0")
                .withScanInterval(Duration.ofMillis(200)), new MetricRegistry())) {
            env.produce(topic, views, Rows.times(views));
            // when the job ingests them, publishing the sink tier
            try (IngestionJob job = IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT)
                    .discoveryInterval(Duration.ofSeconds(1)).audit(audit).build()) {
                job.start();
                assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();
            }
            // (the log tier publishes its counts at close)
        }
        // and the warehouse is recounted
        WarehouseVerifier.Result warehouse = WarehouseVerifier.open(env.table("/audited", topic),
                IngestEnvironment.hadoopConf()).verify();

        // then, from the audit topic, every bucket the tiers have passed is COMPLETE, digests compared
        AuditLedger ledger = new AuditLedger();
        readAuditTopic(audit).forEach(ledger::apply);
        ledger.apply(warehouse.message(System.currentTimeMillis()));
        List<BucketVerdict> verdicts = new CompletenessJudge(Duration.ZERO).judge(ledger.view(topic));
        // (the last bucket too: every tier was caught up with the partition when it stopped)
        assertThat(verdicts).as("buckets of an hour of page views").hasSize(6);
        assertThat(verdicts).allSatisfy(v -> {
            assertThat(v.status()).as("%s", v).isEqualTo(BucketStatus.COMPLETE);
            assertThat(v.tiersCompared()).containsExactly(Tier.LOG, Tier.SINK, Tier.WAREHOUSE);
            assertThat(v.comparisons()).extracting(BucketVerdict.Comparison::basis).containsExactly(
                    BucketVerdict.Basis.COUNT_AND_DIGEST, BucketVerdict.Basis.COUNT_AND_ROW_DIGEST);
        });
        long[] sink = new long[3];
        verdicts.forEach(v -> {
            sink[0] += v.tiers().get(Tier.SINK).count();
            sink[1] += v.tiers().get(Tier.SINK).deadLettered();
            sink[2] += v.tiers().get(Tier.SINK).filtered();
        });
        assertThat(sink).containsExactly(57, 1, 2);
    }

    static List<AuditMessage> readAuditTopic(AuditConfig audit) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, audit.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<AuditMessage> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(audit.topic(), 0));
            c.assign(tps);
            c.seekToBeginning(tps);
            long end = c.endOffsets(tps).get(tps.get(0));
            while (c.position(tps.get(0)) < end) {
                c.poll(Duration.ofMillis(500)).forEach(r -> out.add(AuditMessage.decode(r.value())));
            }
        }
        return out;
    }

    @Test
    void undecodableAndRefusedRecordsGoToTheDeadLetterTableAndThePipelineGoesOn() throws Exception {
        // given good page views, then four bad records in one partition, then more good ones
        String topic = "withbad";
        env.createTopic(topic, 2);
        List<GenericRecord> good = Rows.pageViews("g", 100, 2);
        List<IngestEnvironment.Sent> goodSent = new ArrayList<>(env.produce(topic, good, Rows.times(good)));
        int id = env.registryClient.lookup(topic + "-value", Rows.PAGE_VIEW);
        long t = Rows.T0;
        byte[] badMagic = {7, 1, 2, 3, 4, 5};
        byte[] unknownId = framed(987_654, avro(Rows.pageView("u", t)));
        byte[] corrupt = framed(id, new byte[] {0x03, 0x41, 0x42}); // zig-zag -2: a negative string length
        GenericRecord poisonRecord = Rows.pageView("poison1", t);
        List<IngestEnvironment.Sent> bad = env.produceRaw(topic, 0, List.of(badMagic, unknownId, corrupt),
                List.of(t, t, t));
        bad = new ArrayList<>(bad);
        bad.addAll(env.produce(topic, 0, List.of(poisonRecord), List.of(t)));

        SluiceIngest ingest = env.ingest("/dl", List.of(topic)).withTransform(new RefusePoison());
        SerializableUtils.ensureSerializable(ingest);
        try (IngestionJob job = direct(ingest)) {
            job.start();
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();

            // and when more good records follow, the same pipeline commits them
            List<GenericRecord> later = Rows.pageViews("h", 50, 1);
            goodSent.addAll(env.produce(topic, later, Rows.times(later)));
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up after the bad records: %s", job).isTrue();
            assertThat(job.starts()).as("pipeline starts").isEqualTo(1);
        }

        // then every good record is in the table once, and each bad one is a dead letter with its bytes and reason
        Rows.assertExactlyOnce("good rows", env.reader("/dl", topic).readAll(), goodSent);
        List<GenericRecord> dead = env.reader("/dl", topic).deadLetters();
        assertThat(dead).as("dead letters").hasSize(4);
        Map<Long, GenericRecord> byOffset = new HashMap<>();
        dead.forEach(d -> byOffset.put((Long) d.get("offset"), d));
        assertThat(byOffset.keySet()).containsExactlyInAnyOrderElementsOf(bad.stream().map(s -> s.offset()).toList());
        assertDead(byOffset.get(bad.get(0).offset()), topic, "UnknownMagicByteException", "magic byte 0x07", badMagic);
        assertDead(byOffset.get(bad.get(1).offset()), topic, "UnknownSchemaIdException", "987654", unknownId);
        assertDead(byOffset.get(bad.get(2).offset()), topic, "CorruptAvroException", "does not decode", corrupt);
        GenericRecord poisoned = byOffset.get(bad.get(3).offset());
        assertThat(poisoned.get("error_class").toString()).isEqualTo("IllegalStateException");
        assertThat(poisoned.get("reason").toString()).contains("poisoned page view poison1");
    }

    private static void assertDead(GenericRecord d, String topic, String errorClass, String reasonPart, byte[] raw) {
        assertThat(d.get("topic").toString()).isEqualTo(topic);
        assertThat(((Integer) d.get("partition"))).isZero();
        assertThat(d.get("error_class").toString()).isEqualTo(errorClass);
        assertThat(d.get("reason").toString()).contains(reasonPart);
        ByteBuffer value = (ByteBuffer) d.get("value");
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        assertThat(bytes).as("raw value of the %s dead letter", errorClass).isEqualTo(raw);
    }

    @Test
    void aSchemaVersionRegisteredWhileRunningShowsUpWithoutARestart() throws Exception {
        // given a pipeline that has committed v1 page views
        String topic = "evolving";
        env.createTopic(topic, 2);
        List<GenericRecord> v1 = Rows.pageViews("v1-", 100, 2);
        List<IngestEnvironment.Sent> sent = new ArrayList<>(env.produce(topic, v1, Rows.times(v1)));
        try (IngestionJob job = direct(env.ingest("/evo", List.of(topic)))) {
            job.start();
            assertThat(job.awaitCaughtUp(PATIENCE)).as("v1 caught up: %s", job).isTrue();

            // when the producer registers v2 (a field added with a default) and writes with it
            List<GenericRecord> v2 = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                v2.add(Rows.pageViewV2("v2-" + i, Rows.T0 + i, "ref" + i));
            }
            sent.addAll(env.produce(topic, v2, Rows.times(v2)));
            assertThat(env.registryClient.getLatest(topic + "-value").version()).isEqualTo(2);

            // then the same pipeline commits the v2 rows
            assertThat(job.awaitCaughtUp(PATIENCE)).as("v2 caught up: %s", job).isTrue();
            assertThat(job.starts()).as("pipeline starts").isEqualTo(1);
        }

        // and the whole table reads back with the latest schema: v1 rows get the default
        var reader = env.reader("/evo", topic);
        assertThat(reader.latestSchema().getField("referrer")).as("referrer in the latest schema").isNotNull();
        List<GenericRecord> rows = reader.readAll();
        Rows.assertExactlyOnce("v1 and v2 rows", rows, sent);
        for (GenericRecord row : rows) {
            String id = row.get("id").toString();
            String referrer = row.get("referrer").toString();
            if (id.startsWith("v1-")) {
                assertThat(referrer).as("referrer of %s", id).isEqualTo("none");
            } else {
                assertThat(referrer).as("referrer of %s", id).isEqualTo("ref" + id.substring(3));
            }
        }
    }

    @Test
    void everyTopicMatchingThePatternGetsItsOwnTableAndNewOnesArePickedUp() throws Exception {
        // given two matching topics and one that does not match
        env.createTopic("events.a", 2);
        env.createTopic("events.b", 1);
        env.createTopic("other", 1);
        Map<String, List<IngestEnvironment.Sent>> sent = new HashMap<>();
        for (String t : List.of("events.a", "events.b", "other")) {
            List<GenericRecord> views = Rows.pageViews(t + "-", 60, 1);
            sent.put(t, new ArrayList<>(env.produce(t, views, Rows.times(views))));
        }
        SluiceIngest ingest = SluiceIngest.create()
                .withBootstrapServers(env.bootstrap())
                .withTopicPattern("events\\..*")
                .withSchemaRegistryUrl(env.registryUrl())
                .withTables(TableResolver.underWarehouse(env.hdfs("/many"), env.template("/many")))
                .withHadoopConfiguration(IngestEnvironment.HADOOP);
        try (IngestionJob job = direct(ingest)) {
            job.start();
            assertThat(job.readingTopics()).isEqualTo(Map.of("events.a", 2, "events.b", 1));
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();

            // when a matching topic is created and a partition added while it runs
            env.createTopic("events.c", 1);
            env.log.createPartitions("events.a", 3);
            List<GenericRecord> c = Rows.pageViews("c-", 40, 1);
            sent.put("events.c", new ArrayList<>(env.produce("events.c", c, Rows.times(c))));
            List<GenericRecord> a2 = Rows.pageViews("a2-", 20, 1);
            sent.get("events.a").addAll(env.produce("events.a", 2, a2, Rows.times(a2)));

            // then the job restarts the pipeline on the new set and ingests them too
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!job.readingTopics().equals(Map.of("events.a", 3, "events.b", 1, "events.c", 1))) {
                assertThat(System.nanoTime()).as("new topic and partition picked up: %s", job).isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up after the restart: %s", job).isTrue();
            // one restart for both changes, or two when a discovery tick falls between creating the topic and
            // adding the partition
            assertThat(job.starts()).as("pipeline starts").isBetween(2, 3);
            assertThat(job.lag()).as("lag per partition after catching up").containsOnlyKeys(
                    new org.apache.kafka.common.TopicPartition("events.a", 0),
                    new org.apache.kafka.common.TopicPartition("events.a", 1),
                    new org.apache.kafka.common.TopicPartition("events.a", 2),
                    new org.apache.kafka.common.TopicPartition("events.b", 0),
                    new org.apache.kafka.common.TopicPartition("events.c", 0));
        }

        for (String t : List.of("events.a", "events.b", "events.c")) {
            Rows.assertExactlyOnce("table " + t, env.reader("/many", t).readAll(), sent.get(t));
        }
        assertThat(env.reader("/many", "other").committedFiles()).as("files of the unmatched topic").isEmpty();
    }

    @Test
    void aPipelineWhoseRunnerCannotSayHowItIsIsNotStartedASecondTimeBesideIt() throws Exception {
        // given a job whose runner cannot be asked for the pipeline's state (a JobManager out of reach)
        env.createTopic("unaskable", 1);
        int before = UnaskableRunner.RUNS.get();
        try (IngestionJob job = IngestionJob.builder(env.ingest("/unaskable", List.of("unaskable")))
                .pipelineOptions(() -> org.apache.beam.sdk.options.PipelineOptionsFactory
                        .fromArgs("--runner=" + UnaskableRunner.class.getName(), "--streaming=true").create())
                .discoveryInterval(Duration.ofMillis(300)).build()) {
            job.start();

            // when several discovery rounds ask
            Thread.sleep(2_000);

            // then it was started once: an unanswered question is not an end
            assertThat(job.starts()).as("pipeline starts: %s", job).isEqualTo(1);
            assertThat(UnaskableRunner.RUNS.get() - before).isEqualTo(1);
        }
    }

    @Test
    void aTableWhoseJournalIsBehindTheLogStartIsStoppedWithTheExactGapAndTheOthersGoOn() throws Exception {
        // given a table that committed offsets 0..19 of a topic with a one-day retention
        String topic = "retained";
        env.log.createTopic(topic, 1, Map.of("retention.ms", "86400000"));
        env.createTopic("healthy", 1);
        List<GenericRecord> old = Rows.pageViews("old-", 20, 1); // three days old: expired once rolled
        env.produce(topic, 0, old, Rows.times(old));
        try (IngestionJob job = direct(env.ingest("/gap", List.of(topic)))) {
            job.start();
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();
        }

        // when retention deletes offsets 20..29 before anything ingested them
        env.log.partition(topic, 0).roll();
        List<GenericRecord> lost = Rows.pageViews("lost-", 10, 1);
        env.produce(topic, 0, lost, Rows.times(lost));
        env.log.partition(topic, 0).roll();
        long now = System.currentTimeMillis();
        env.produce(topic, 0, List.of(Rows.pageView("new-1", now)), List.of(now));
        env.log.runMaintenance();
        assertThat(env.log.partition(topic, 0).logStartOffset()).as("log start after retention").isEqualTo(30);
        List<GenericRecord> fine = Rows.pageViews("fine-", 30, 1);
        List<IngestEnvironment.Sent> fineSent = env.produce("healthy", fine, Rows.times(fine));

        // then the next start stops that table with the exact gap, and the other table is read
        String gap = "offsets 20..29 of retained-0 were deleted by retention before they were ingested";
        try (IngestionJob job = direct(env.ingest("/gap", List.of(topic, "healthy")))) {
            job.start();
            assertThat(job.stoppedTables()).containsOnlyKeys(topic);
            assertThat(job.stoppedTables().get(topic)).contains(gap);
            assertThat(job.readingTopics()).isEqualTo(Map.of("healthy", 1));
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();
        }
        Rows.assertExactlyOnce("the healthy table", env.reader("/gap", "healthy").readAll(), fineSent);
        assertThat(env.reader("/gap", topic).readAll()).as("rows of the stopped table").hasSize(20);
        assertThat(io.sluice.sink.TableSink.open(env.table("/gap", topic), IngestEnvironment.hadoopConf(),
                id -> env.registryClient.getById(id), new com.codahale.metrics.MetricRegistry(),
                io.sluice.sink.CommitHook.NONE).stoppedReason()).as("reason kept in the table").hasValueSatisfying(
                        r -> assertThat(r).contains(gap));
    }
}
