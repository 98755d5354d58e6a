package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.internals.PipelineMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

        // when IngestionJob runs the pipeline on Flink until the journals cover the log end
        try (IngestionJob job = IngestionJob.builder(env.ingest("/wh", List.of(topic)))
                .runner(IngestionJob.Runner.FLINK).flinkMaster("[local]").parallelism(2)
                .checkpointingInterval(Duration.ofSeconds(1)).discoveryInterval(Duration.ofSeconds(2)).build()) {
            job.start();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(60))).as("caught up: %s", job).isTrue();
            assertThat(job.starts()).as("pipeline starts").isEqualTo(1);
        }

        // then every record is in the table once, in 3 hour partitions, and the Dropwizard bridge counted them
        List<GenericRecord> rows = env.reader("/wh", topic).readAll();
        Rows.assertExactlyOnce("table written on Flink", rows, sent);
        assertThat(Rows.hourDirectories(env.reader("/wh", topic).committedFiles())).hasSize(3);
        assertThat(PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_COMMITTED) - committedBefore)
                .as("records committed (Dropwizard sluice.pipeline.recordsCommitted)").isEqualTo(2_000);
    }
}
