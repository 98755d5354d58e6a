package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once on a real multi-process Flink cluster: a JobManager and two TaskManagers as JVMs of their own
 * ({@link FlinkCluster}), the pipeline submitted to the JobManager's address by {@link IngestionJob}, as to any remote
 * cluster; log-core, the registry and HDFS in this JVM. While a producer writes, a TaskManager is lost: killed
 * (SIGKILL), or frozen (SIGSTOP) until Flink has restarted its tasks elsewhere and then let go on (SIGCONT), so that its
 * tasks are zombies of the earlier attempt, still holding buffered records and commit timers. Flink restarts the job
 * from its last checkpoint on the TaskManager that remains; every committed file is read back: every record once.
 */
class FlinkClusterExactlyOnceTest {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkClusterExactlyOnceTest.class);
    private static final int PARTITIONS = 4;
    private static final Duration PATIENCE = Duration.ofSeconds(180);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the cluster's logs of a failed run
    static Path dir;
    static IngestEnvironment env;
    private FlinkCluster cluster;

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

    @AfterEach
    void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The options of a job on the cluster: checkpoints a second apart on the (shared) local disk, restarts on. */
    private PipelineOptions clusterOptions(String name) throws Exception {
        FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
        o.setRunner(FlinkRunner.class);
        o.setJobName(name);
        o.setFlinkMaster(cluster.master());
        o.setStreaming(true);
        o.setParallelism(2);
        o.setCheckpointingInterval(1_000L);
        o.setAttachedMode(false);
        o.setObjectReuse(true);
        o.setStateBackend("filesystem");
        o.setStateBackendStoragePath(Files.createDirectories(dir.resolve("checkpoints-" + name)).toUri().toString());
        o.setNumberOfExecutionRetries(30);
        o.setExecutionRetryDelay(1_000L);
        o.setFilesToStage(List.of(cluster.emptyJar().toString()));
        return o;
    }

    @Test
    void everyRecordOnceWhenATaskManagerIsKilledMidStream() throws Exception {
        run("tm-killed", 4_000, Duration.ofSeconds(40), false);
    }

    @Test
    @Tag("slow")
    void everyRecordOnceWhenAFrozenTaskManagerComesBackAsAZombie() throws Exception {
        run("tm-zombie", 12_000, Duration.ofSeconds(90), true);
    }

    private void run(String topic, int n, Duration produceOver, boolean freeze) throws Exception {
        // given a two-TaskManager cluster (two slots each, so that either one can run the whole job) and a producer
        cluster = FlinkCluster.start(dir.resolve("flink-" + topic), 2, 2);
        env.createTopic(topic, PARTITIONS);
        String warehouse = env.hdfs("/cluster/" + topic);
        TableSpec spec = IngestChild.tables(warehouse).tableFor(topic);
        TableSink sink = ExactlyOnceAudit.openSink(spec, env.registryUrl());
        SteadyProducer producer = new SteadyProducer(env.bootstrap(), env.registryUrl(), topic, PARTITIONS, n, 5,
                produceOver);
        PipelineOptions options = clusterOptions(topic);
        try (producer; IngestionJob job = IngestionJob.builder(IngestChild.ingest(env.bootstrap(), env.registryUrl(),
                        warehouse, topic, io.sluice.sink.CommitHook.NONE))
                .name(topic).pipelineOptions(() -> options).discoveryInterval(Duration.ofSeconds(2)).build()) {
            producer.start();
            job.start();

            // when, once the job has committed, a TaskManager is lost
            awaitCommits(sink, 3);
            ChildJvm lost = cluster.taskManagers().get(0);
            if (freeze) {
                signal(lost, "STOP");
                LOG.info("{}: froze {}; waiting for the job to restart without it", topic, lost);
                awaitFailover(); // the JobManager misses its heartbeats for 5 s
                long before = ExactlyOnceAudit.committedThrough(sink);
                awaitCommitsPast(sink, before + 200); // the restarted attempt commits on the other TaskManager
                signal(lost, "CONT");
                LOG.info("{}: {} goes on, its tasks now zombies of the earlier attempt", topic, lost);
            } else {
                int status = lost.kill();
                LOG.info("{}: killed {} (status {})", topic, lost, status);
            }
            producer.hurry();
            producer.awaitDone(Duration.ofMinutes(2));
            Map<TopicPartition, Long> end = producer.endOffsets();
            awaitCoverage(sink, end);
            assertThat(job.starts()).as("pipeline starts (Flink restarted the tasks itself): %s", job).isEqualTo(1);
            // and it ran on the cluster, which failed it over when the TaskManager went
            var jobs = cluster.jobs().path("jobs");
            assertThat(jobs.size()).as("jobs on the cluster: %s", jobs).isEqualTo(1);
            assertThat(jobs.get(0).path("status").asText()).isEqualTo("RUNNING");
            assertThat(cluster.failures(jobs.get(0).path("id").asText())).as("failovers on the cluster").isPositive();
            job.close();

            // then the table holds every record once, with nothing left to recover
            ExactlyOnceAudit.assertRecoveredAndCaughtUp(spec, env.registryUrl(), end);
            ExactlyOnceAudit.assertExactlyOnce(TableReader.open(spec, IngestEnvironment.hadoopConf()), producer);
            if (freeze) {
                String zombieLog = Files.readString(dir.resolve("flink-" + topic).resolve("flink-taskmanager-0.log"));
                // how often a zombie task tried to register or commit and was refused (timing decides: reported)
                LOG.info("{}: the zombie TaskManager's writers were fenced {} time(s)", topic,
                        zombieLog.split("this writer was fenced and stops", -1).length - 1);
            }
        }
    }

    private static void signal(ChildJvm jvm, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %s", signal, jvm)
                .isTrue();
    }

    private void awaitCommits(TableSink sink, int entries) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (sink.heads().values().stream().mapToLong(e -> e.seq()).sum() < entries) {
            if (System.nanoTime() > deadline) {
                fail("the job committed fewer than " + entries + " entries within " + PATIENCE + "\n"
                        + cluster.jobManager().tail(40));
            }
            Thread.sleep(250);
        }
    }

    private void awaitFailover() throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            var jobs = cluster.jobs().path("jobs");
            if (jobs.size() == 1 && cluster.failures(jobs.get(0).path("id").asText()) > 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the cluster did not fail the job over within " + PATIENCE + "\n" + cluster.jobManager().tail(40));
            }
            Thread.sleep(250);
        }
    }

    private void awaitCommitsPast(TableSink sink, long records) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (ExactlyOnceAudit.committedThrough(sink) < records) {
            if (System.nanoTime() > deadline) {
                fail("the job did not commit past " + records + " records within " + PATIENCE + "\n"
                        + cluster.jobManager().tail(40));
            }
            Thread.sleep(250);
        }
    }

    private void awaitCoverage(TableSink sink, Map<TopicPartition, Long> end) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!ExactlyOnceAudit.journalsCover(sink, end)) {
            if (System.nanoTime() > deadline) {
                fail("the journals did not reach the log end " + end + " within " + PATIENCE + "; they are at "
                        + sink.heads() + "\n" + cluster.jobManager().tail(60));
            }
            Thread.sleep(250);
        }
    }
}
