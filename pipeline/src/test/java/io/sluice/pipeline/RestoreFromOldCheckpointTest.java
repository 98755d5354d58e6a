package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
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
 * Flink restores a checkpoint whose reader positions the log has since deleted: the restored reader hits
 * OFFSET_OUT_OF_RANGE, and the range it finds missing lies below what the table's journal has committed (another run
 * committed it after the checkpoint was taken), so it is no gap: nothing stops, nothing is read twice or lost. A Flink
 * session cluster of its own JVMs ({@link FlinkCluster}; Beam restores a savepoint or retained checkpoint only on a
 * remote master, never on an embedded Flink), checkpoints kept on cancellation, log-core's retention, tables on a
 * MiniDFSCluster.
 */
class RestoreFromOldCheckpointTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // keep the cluster's logs of a failed run
    static Path dir;
    static IngestEnvironment env;
    static FlinkCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        env = IngestEnvironment.start(dir);
        cluster = FlinkCluster.start(dir.resolve("flink"), 1, 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
        if (env != null) {
            env.close();
        }
    }

    /**
     * Drops every record at or past the offset written in the file the consumer setting {@value #STALL_FILE} names,
     * before KafkaIO sees it: a reader stalled there. It runs in the TaskManager, and a restored job runs its
     * checkpoint's source (consumer settings included), so the test changes the file, not the setting.
     */
    public static final class StallingInterceptor implements ConsumerInterceptor<byte[], byte[]> {
        static final String STALL_FILE = "sluice.test.stall-file";
        private Path file;

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            long from;
            try {
                from = Long.parseLong(Files.readString(file).trim());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> kept = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.offset() < from) {
                    kept.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
                }
            }
            return new ConsumerRecords<>(kept);
        }

        @Override public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}
        @Override public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {
            file = Path.of(configs.get(STALL_FILE).toString());
        }
    }

    private static Path stallFile() {
        return dir.resolve("stall-from");
    }

    private static void stallFrom(long offset) throws java.io.IOException {
        Files.writeString(stallFile(), Long.toString(offset));
    }

    private IngestionJob job(String topic, Path checkpoints, String restoreFrom) {
        SluiceIngest ingest = env.ingest("/restore", List.of(topic))
                .withConsumerConfig(Map.of("interceptor.classes", StallingInterceptor.class.getName(),
                        StallingInterceptor.STALL_FILE, stallFile().toString(),
                        "max.partition.fetch.bytes", "1", "max.poll.records", "1"));
        return IngestionJob.builder(ingest).name("restore").discoveryInterval(Duration.ofSeconds(2))
                .pipelineOptions(() -> {
                    FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
                    o.setRunner(FlinkRunner.class);
                    o.setFlinkMaster(cluster.master());
                    o.setStreaming(true);
                    o.setParallelism(1);
                    o.setCheckpointingInterval(500L);
                    o.setAttachedMode(false);
                    o.setStateBackend("filesystem");
                    o.setStateBackendStoragePath(checkpoints.toUri().toString());
                    o.setExternalizedCheckpointsEnabled(true);
                    o.setRetainExternalizedCheckpointsOnCancellation(true);
                    try {
                        o.setFilesToStage(List.of(cluster.emptyJar().toString()));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    if (restoreFrom != null) {
                        o.setSavepointPath(restoreFrom);
                    }
                    return (PipelineOptions) o;
                }).build();
    }

    /** The newest checkpoint under {@code root} ({@code <job id>/chk-<n>}), or null. */
    private static Path newestCheckpoint(Path root) throws Exception {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> all = Files.walk(root, 2)) {
            return all.filter(p -> p.getFileName().toString().startsWith("chk-")
                            && Files.exists(p.resolve("_metadata")))
                    .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(4))))
                    .orElse(null);
        }
    }

    private static List<Long> offsets(String topic) {
        return env.reader("/restore", topic).readAll().stream()
                .map(r -> (Long) ((GenericRecord) r.get("_sluice")).get("offset")).sorted().toList();
    }

    @Test
    void aRestoredReaderBehindTheLogStartButNotBehindTheJournalFindsNoGap() throws Exception {
        // given 20 old records, and run A stalled at offset 8: it commits 0..7 and checkpoints its reader at 8
        String topic = "restored";
        env.log.createTopic(topic, 1, Map.of("retention.ms", "86400000"));
        for (int i = 0; i < 20; i++) {
            env.produce(topic, 0, List.of(Rows.pageView("old-" + i, Rows.T0 + i)), List.of(Rows.T0 + i));
        }
        Path checkpointsA = dir.resolve("checkpoints-a");
        TableSpec spec = env.table("/restore", topic);
        TableSink sink = ExactlyOnceAudit.openSink(spec, env.registryUrl());
        Path checkpoint;
        stallFrom(8);
        try (IngestionJob a = job(topic, checkpointsA, null)) {
            a.start();
            awaitNext(sink, topic, 8);
            Thread.sleep(2_000); // a few more checkpoints, all at 8
        }
        checkpoint = newestCheckpoint(checkpointsA); // the one kept when A was cancelled
        assertThat(checkpoint).as("a checkpoint kept after A was cancelled").isNotNull();

        // and run B, not stalled, commits 8..19
        stallFrom(Long.MAX_VALUE);
        try (IngestionJob b = job(topic, dir.resolve("checkpoints-b"), null)) {
            b.start();
            awaitNext(sink, topic, 20);
        }

        // and retention deletes all 20 once newer records arrive
        env.log.partition(topic, 0).roll();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            env.produce(topic, 0, List.of(Rows.pageView("new-" + i, now + i)), List.of(now + i));
        }
        env.log.runMaintenance();
        assertThat(env.log.partition(topic, 0).logStartOffset()).isEqualTo(20);

        // when run C restores A's checkpoint: its reader goes back to offset 8, which the log no longer holds
        try (IngestionJob c = job(topic, dir.resolve("checkpoints-c"), checkpoint.toUri().toString())) {
            c.start();
            awaitNext(sink, topic, 25);
        }

        // then the reader saw 8..19 missing, the journal already had them, and the table holds 0..24 once
        String taskManagerLog = Files.readString(dir.resolve("flink").resolve("flink-taskmanager-0.log"));
        assertThat(taskManagerLog).as("what the TaskManager logged")
                .contains("the reader resumes at offset 8 of its checkpoint (the journal is at 20)")
                .contains("offsets 8..19 were deleted from the log before they were read");
        assertThat(ExactlyOnceAudit.openSink(spec, env.registryUrl()).stoppedReason()).isEmpty();
        assertThat(offsets(topic)).containsExactlyElementsOf(LongStream.range(0, 25).boxed().toList());
    }

    private static void awaitNext(TableSink sink, String topic, long next) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (sink.nextOffset(new TopicPartition(topic, 0)) < next) {
            assertThat(System.nanoTime()).as("journal of %s-0 at %d within %s, it is at %d", topic, next, PATIENCE,
                    sink.nextOffset(new TopicPartition(topic, 0))).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
