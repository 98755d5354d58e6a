package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.internals.PipelineMetrics;
import java.nio.file.Path;
import java.time.Duration;
import io.sluice.pipeline.config.RunnerConfig;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same pipeline on an embedded Flink (the default of bin/sluice): streaming, checkpointing on, parallelism 2,
 * launched by IngestionJob, which returns from start() while the job runs.
 */
class FlinkRunnerIngestTest {
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

    @Test
    void embeddedFlinkCommitsEveryRecordOnceIntoHourlyPartitions() throws Exception {
        // given 2,000 page views over 3 hours in a 4-partition topic
        String topic = "clicks";
        env.createTopic(topic, 4);
        List<GenericRecord> views = Rows.pageViews("f", 2_000, 3);
        List<IngestEnvironment.Sent> sent = env.produce(topic, views, Rows.times(views));
        long committedBefore = PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_COMMITTED);

        // when IngestionJob runs the pipeline on Flink until the journals cover the log end, its runner arguments as a
        // pipeline file's runner section gives them, with runner.extra naming only where checkpoints go
        Path checkpoints = dir.resolve("checkpoints-from-extra");
        RunnerConfig runner = new RunnerConfig(RunnerConfig.Type.FLINK, "[local]", OptionalInt.of(2),
                Duration.ofSeconds(1), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(),
                List.of("--stateBackendStoragePath=" + checkpoints.toUri()));
        String[] args = IngestionJob.runWhileWatched(runner.toArgs("flink-ingest-test"), RunnerConfig.Type.FLINK);
        try (IngestionJob job = IngestionJob.builder(env.ingest("/wh", List.of(topic)))
                .pipelineOptions(() -> PipelineOptionsFactory.fromArgs(args).create())
                .discoveryInterval(Duration.ofSeconds(2)).build()) {
            job.start();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(60))).as("caught up: %s", job).isTrue();
            assertThat(job.starts()).as("pipeline starts").isEqualTo(1);
            // and Flink checkpoints where runner.extra said (it used to be ignored without --stateBackend)
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!hasCheckpoint(checkpoints) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(hasCheckpoint(checkpoints)).as("a completed checkpoint under %s", checkpoints).isTrue();
        }

        // then every record is in the table once, in 3 hour partitions, and the Dropwizard bridge counted them
        List<GenericRecord> rows = env.reader("/wh", topic).readAll();
        Rows.assertExactlyOnce("table written on Flink", rows, sent);
        assertThat(Rows.hourDirectories(env.reader("/wh", topic).committedFiles())).hasSize(3);
        assertThat(PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_COMMITTED) - committedBefore)
                .as("records committed (Dropwizard sluice.pipeline.recordsCommitted)").isEqualTo(2_000);
    }

    private static boolean hasCheckpoint(Path root) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(root)) {
            return false;
        }
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(root, 2)) {
            return all.anyMatch(p -> p.getFileName().toString().startsWith("chk-"));
        }
    }
}
