package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.CommitHook;
import io.sluice.sink.GapPolicy;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.OffsetGap;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets the log deletes before a running pipeline has read them (it fell behind retention) are never committed as
 * data: the table stops with the exact missing range, after committing what came before, or, when its on-gap policy
 * says so, records the range as lost and goes on. Holes that are normal in a log (a compacted topic) are not gaps.
 * Real parts: log-core with its retention and compaction, KafkaIO on the DirectRunner, tables on a MiniDFSCluster.
 */
class LogGapsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final long OLD = Rows.T0; // three days ago: past a one-day retention once its segment rolls

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

    /**
     * Holds the pipeline's reader, inside its poll, once it has been handed a record at or past {@link #holdFrom}, until
     * the test lets it go: a pipeline that has fallen behind while the log moves on. A Kafka consumer interceptor, set
     * through the pipeline's consumer settings.
     */
    public static final class HoldingInterceptor implements ConsumerInterceptor<byte[], byte[]> {
        static volatile long holdFrom = Long.MAX_VALUE;
        static volatile CountDownLatch held = new CountDownLatch(1);
        static volatile CountDownLatch release = new CountDownLatch(1);

        static void arm(long offset) {
            held = new CountDownLatch(1);
            release = new CountDownLatch(1);
            holdFrom = offset;
        }

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.offset() >= holdFrom && held.getCount() > 0) {
                    held.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    break;
                }
            }
            return records;
        }

        @Override public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}
        @Override public void close() {}
        @Override public void configure(Map<String, ?> configs) {}
    }

    /** The pipeline on the DirectRunner, its reader fetching one record at a time through the interceptor. */
    static IngestionJob job(String warehouse, String topic, GapPolicy onGap) {
        TableSpec template = env.template(warehouse).toBuilder().onGap(onGap).build();
        SluiceIngest ingest = env.ingest(warehouse, List.of(topic))
                .withTables(TableResolver.underWarehouse(env.hdfs(warehouse), template))
                .withConsumerConfig(Map.of("interceptor.classes", HoldingInterceptor.class.getName(),
                        "max.partition.fetch.bytes", "1", "fetch.max.bytes", "1", "max.poll.records", "1"));
        return IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT).discoveryInterval(Duration.ofSeconds(1))
                .build();
    }

    static TableSink sink(String warehouse, String topic, GapPolicy onGap) {
        TableSpec spec = env.table(warehouse, topic).toBuilder().onGap(onGap).build();
        return TableSink.open(spec, IngestEnvironment.hadoopConf(), id -> env.registryClient.getById(id),
                new MetricRegistry(), CommitHook.NONE);
    }

    /** {@code n} old page views, each in a batch of its own (so that the reader fetches them one by one). */
    static List<IngestEnvironment.Sent> produceOneByOne(String topic, String prefix, int n, long at) throws Exception {
        List<IngestEnvironment.Sent> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.addAll(env.produce(topic, 0, List.of(Rows.pageView(prefix + i, at + i)), List.of(at + i)));
        }
        return sent;
    }

    /**
     * Holds the reader once it reached offset 5 of 30 old records, rolls the segment, writes five new records and runs
     * retention, which deletes the 30 old ones, most of them unread; then lets the reader go on.
     */
    static void fallBehindRetention(String topic, IngestionJob job) throws Exception {
        env.log.createTopic(topic, 1, Map.of("retention.ms", "86400000"));
        produceOneByOne(topic, "old-", 30, OLD);
        HoldingInterceptor.arm(5);
        job.start();
        assertThat(HoldingInterceptor.held.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("reader held").isTrue();
        env.log.partition(topic, 0).roll();
        long now = System.currentTimeMillis();
        produceOneByOne(topic, "new-", 5, now);
        env.log.runMaintenance();
        assertThat(env.log.partition(topic, 0).logStartOffset()).as("log start after retention").isEqualTo(30);
        HoldingInterceptor.release.countDown();
    }

    static List<Long> offsets(List<GenericRecord> rows) {
        return rows.stream().map(r -> (Long) ((GenericRecord) r.get("_sluice")).get("offset")).sorted().toList();
    }

    @Test
    void retentionDeletingWhatARunningPipelineHasNotReadStopsTheTableWithTheExactRange() throws Exception {
        String topic = "behind-stop";
        try (IngestionJob job = job("/gaps", topic, GapPolicy.STOP)) {
            // given a pipeline that fell behind while retention deleted offsets it had not read
            fallBehindRetention(topic, job);

            // then the table stops, naming the missing range, which starts where its journal stands
            TableSink sink = sink("/gaps", topic, GapPolicy.STOP);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (sink.stoppedReason().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                sink = sink("/gaps", topic, GapPolicy.STOP);
            }
            Optional<String> reason = sink.stoppedReason();
            assertThat(reason).as("the table stopped: %s", job).isPresent();
            long next = sink.nextOffset(new TopicPartition(topic, 0));
            assertThat(next).as("journal next offset").isBetween(5L, 29L);
            assertThat(reason.get()).contains("offsets " + next + "..29 of " + topic
                    + "-0 were deleted by retention before they were ingested");
            // and what came before the gap is committed, each once; nothing after it
            assertThat(offsets(env.reader("/gaps", topic).readAll())).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, next).boxed().toList());
        }
    }

    @Test
    void withTheGapRecordedTheTableGoesOnAndTheJournalNamesTheLostRange() throws Exception {
        String topic = "behind-record";
        try (IngestionJob job = job("/gaps", topic, GapPolicy.RECORD)) {
            // given a pipeline that fell behind while retention deleted offsets it had not read
            fallBehindRetention(topic, job);

            // then it catches up past the gap, which one entry records as lost, and the table does not stop
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();
            TableSink sink = sink("/gaps", topic, GapPolicy.RECORD);
            assertThat(sink.stoppedReason()).isEmpty();
            List<OffsetGap> gaps = new ArrayList<>();
            long lost = 0;
            for (int seq = 1; ; seq++) {
                Optional<JournalEntry> e = entry("/gaps", topic, seq);
                if (e.isEmpty()) {
                    break;
                }
                gaps.addAll(e.get().gaps());
                if (e.get().audit() != null) {
                    lost = e.get().audit().lostInGaps();
                }
            }
            assertThat(gaps).hasSize(1);
            OffsetGap g = gaps.get(0);
            assertThat(g.to()).isEqualTo(29);
            assertThat(g.reason()).isEqualTo(OffsetGap.Reason.RETENTION);
            assertThat(lost).as("lost offsets in the audit counts").isEqualTo(g.size());
            // and the table holds what was read before the gap and everything after it, each once
            List<Long> expected = new ArrayList<>(java.util.stream.LongStream.range(0, g.from()).boxed().toList());
            expected.addAll(List.of(30L, 31L, 32L, 33L, 34L));
            assertThat(offsets(env.reader("/gaps", topic).readAll())).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aCompactedTopicsHolesAreCoveredNotStopped() throws Exception {
        // given a compacted topic whose first ten records were superseded and removed
        String topic = "compacted";
        env.log.createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        List<GenericRecord> first = Rows.pageViews("first-", 10, 1);
        env.produce(topic, 0, first, Rows.times(first));
        List<GenericRecord> second = Rows.pageViews("second-", 10, 1);
        env.produce(topic, 0, second, Rows.times(second)); // the same keys k0..k9
        env.log.partition(topic, 0).roll();
        List<GenericRecord> third = Rows.pageViews("third-", 1, 1);
        env.produce(topic, 0, third, Rows.times(third)); // the high watermark moves past the rolled segment
        assertThat(env.log.compactNow(topic, 0)).as("records compacted away").isEqualTo(10);

        // when the pipeline reads it
        HoldingInterceptor.arm(Long.MAX_VALUE);
        try (IngestionJob job = job("/gaps", topic, GapPolicy.STOP)) {
            job.start();
            assertThat(job.awaitCaughtUp(PATIENCE)).as("caught up: %s", job).isTrue();
        }

        // then the commits cover 0..20 with the compacted offsets as holes, and the table holds the records that remain
        JournalEntry head = sink("/gaps", topic, GapPolicy.STOP).heads().get(new TopicPartition(topic, 0));
        assertThat(head.nextOffset()).isEqualTo(21);
        assertThat(sink("/gaps", topic, GapPolicy.STOP).stoppedReason()).isEmpty();
        assertThat(offsets(env.reader("/gaps", topic).readAll())).containsExactly(10L, 11L, 12L, 13L, 14L, 15L, 16L,
                17L, 18L, 19L, 20L);
        long holes = 0;
        for (int seq = 1; seq <= head.seq(); seq++) {
            holes += entry("/gaps", topic, seq).orElseThrow().holeOffsets();
        }
        assertThat(holes).as("holes recorded").isEqualTo(10);
    }

    static Optional<JournalEntry> entry(String warehouse, String topic, int seq) throws Exception {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(env.table(warehouse, topic).root()
                + "/_sluice/journal/" + topic + "+0/" + String.format("%020d.json", seq));
        org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(IngestEnvironment.hadoopConf());
        if (!fs.exists(p)) {
            return Optional.empty();
        }
        try (var in = fs.open(p)) {
            return Optional.of(new com.fasterxml.jackson.databind.ObjectMapper()
                    .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue((java.io.InputStream) in, JournalEntry.class));
        }
    }
}
