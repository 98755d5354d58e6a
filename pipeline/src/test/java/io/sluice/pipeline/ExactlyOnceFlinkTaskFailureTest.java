package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sluice.pipeline.internals.PipelineMetrics;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once across task failures inside a running Flink job: the commit step throws at chosen commits, twice
 * after writing a commit's files (nothing recorded: the restored task must commit the range again) and twice after
 * the journal entry (committed but not renamed: the restored task must finish the renames and not write the range
 * again), while a producer keeps writing. Flink restarts the failed tasks from their last checkpoint (fixed-delay
 * restarts), in the same job: the launcher never relaunches it. Every committed Avro file is read back at the end.
 */
class ExactlyOnceFlinkTaskFailureTest {
    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceFlinkTaskFailureTest.class);
    private static final long SEED = Long.getLong("sluice.test.seed", 20_261_125L);
    private static final int PARTITIONS = 4;
    private static final int HOURS = 5;
    private static final Duration PATIENCE = Duration.ofSeconds(150);

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

    @BeforeEach
    void resetCounters() {
        FailingCommitHook.reset();
    }

    /** IngestionJob's embedded-Flink options, with Flink's own restarts: up to 10, half a second apart. */
    static PipelineOptions flinkWithRestarts() {
        FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
        o.setRunner(FlinkRunner.class);
        o.setFlinkMaster("[local]");
        o.setStreaming(true);
        o.setParallelism(2);
        o.setCheckpointingInterval(1_000L);
        o.setAttachedMode(false);
        o.setStateBackend("filesystem");
        o.setStateBackendStoragePath(dir.resolve("checkpoints").toUri().toString());
        o.setNumberOfExecutionRetries(10);
        o.setExecutionRetryDelay(500L);
        return o;
    }

    @Test
    void everyRecordOnceWhenCommitTasksFailAndFlinkRestoresThem() throws Exception {
        // given a schedule of four failures (two at each crash point) and a producer writing keyed records
        String topic = "eo-flink";
        int n = 8_000;
        Random random = new Random(SEED ^ topic.hashCode());
        // a few commits apart, so that each restored job has run and checkpointed before the next failure
        Set<Integer> afterFiles = new TreeSet<>(Set.of(2 + random.nextInt(3), 14 + random.nextInt(3)));
        Set<Integer> afterJournal = new TreeSet<>(Set.of(8 + random.nextInt(3), 20 + random.nextInt(3)));
        FailingCommitHook hook = new FailingCommitHook(afterFiles, afterJournal);
        LOG.info("{}: failing commits after files {} and after journal entries {} (seed {})", topic, afterFiles,
                afterJournal, SEED);
        env.createTopic(topic, PARTITIONS);
        String warehouse = env.hdfs("/eo/" + topic);
        TableSpec spec = IngestChild.tables(warehouse).tableFor(topic);
        TableSink sink = ExactlyOnceAudit.openSink(spec, env.registryUrl());
        SteadyProducer producer = new SteadyProducer(env.bootstrap(), env.registryUrl(), topic, PARTITIONS, n, HOURS,
                Duration.ofSeconds(120));
        try (producer; IngestionJob job = IngestionJob.builder(
                        IngestChild.ingest(env.bootstrap(), env.registryUrl(), warehouse, topic, hook))
                .pipelineOptions(ExactlyOnceFlinkTaskFailureTest::flinkWithRestarts)
                .discoveryInterval(Duration.ofSeconds(2)).build()) {
            long skippedBefore = PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_SKIPPED_AS_REPLAYED);
            producer.start();

            // when the job runs while its commit tasks fail
            job.start();
            awaitFailures(job, hook.planned());
            producer.hurry();
            producer.awaitDone(Duration.ofMinutes(1));
            Map<TopicPartition, Long> end = producer.endOffsets();
            awaitCoverage(job, sink, end);

            // then Flink restored the failed tasks itself: one pipeline start, commits went on after every failure
            assertThat(FailingCommitHook.THROWN.get()).as("injected task failures").isEqualTo(hook.planned());
            assertThat(job.starts()).as("pipeline starts (a relaunch would mean Flink gave up): %s", job)
                    .isEqualTo(1);
            assertThat(FailingCommitHook.JOURNAL_WRITTEN.get()).as("journal entries written")
                    .isGreaterThan(Collections.max(afterJournal));
            // (records a restored task held again below the journal are dropped by the committer; how many
            // depends on where the checkpoints fell, so it is reported, not asserted)
            LOG.info("{}: {} failures injected, {} commits attempted, {} journal entries, {} replayed records"
                            + " dropped", topic, FailingCommitHook.THROWN.get(), FailingCommitHook.FILES_WRITTEN.get(),
                    FailingCommitHook.JOURNAL_WRITTEN.get(),
                    PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_SKIPPED_AS_REPLAYED) - skippedBefore);

            // and, once the job is closed, the table holds every record once, with nothing left for recovery
            job.close();
            ExactlyOnceAudit.assertRecoveredAndCaughtUp(spec, env.registryUrl(), end);
            ExactlyOnceAudit.assertExactlyOnce(TableReader.open(spec, IngestEnvironment.hadoopConf()), producer);
        }
    }

    private static void awaitFailures(IngestionJob job, int planned) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (FailingCommitHook.THROWN.get() < planned) {
            if (System.nanoTime() > deadline) {
                fail("only " + FailingCommitHook.THROWN.get() + " of " + planned + " task failures happened within "
                        + PATIENCE + " (" + FailingCommitHook.FILES_WRITTEN.get() + " commits attempted): " + job);
            }
            Thread.sleep(200);
        }
    }

    private static void awaitCoverage(IngestionJob job, TableSink sink, Map<TopicPartition, Long> end)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!ExactlyOnceAudit.journalsCover(sink, end)) {
            if (System.nanoTime() > deadline) {
                fail("the journals did not reach the log end " + end + " within " + PATIENCE + "; they are at "
                        + sink.heads() + ": " + job);
            }
            Thread.sleep(250);
        }
    }
}
