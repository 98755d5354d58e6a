package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sluice.pipeline.HaltingCommitHook.Point;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.fs.FileSystem;
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
 * Exactly once across whole-process crashes. This JVM hosts log-core, the registry and HDFS; the ingestion job runs
 * on an embedded Flink in a child JVM ({@link IngestChild}) that the test kills and restarts while a producer writes
 * keyed records spread over five event-time hours:
 *
 * <ul>
 *   <li>{@link Disruption#KILL}: SIGKILL at a random moment once the child has committed something;</li>
 *   <li>{@link Disruption#HALT_AFTER_FILES}: the child halts inside its n-th commit, after writing and syncing the
 *       commit's files and before its journal entry (the files must be deleted and the range read again);</li>
 *   <li>{@link Disruption#HALT_AFTER_JOURNAL}: the child halts after the journal entry and before any rename (the
 *       renames must be finished, the range not read again into the table).</li>
 * </ul>
 *
 * After each halt the test checks that HDFS is in exactly the state of that crash point. A last child then runs
 * until the journals cover the log end, and every committed Avro file is read back: exactly the records produced,
 * each once. Random choices come from a fixed seed ({@code -Dsluice.test.seed=...} to vary it).
 */
class ExactlyOnceProcessKillTest {
    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceProcessKillTest.class);
    private static final long SEED = Long.getLong("sluice.test.seed", 20_261_125L);
    private static final int PARTITIONS = 4;
    private static final int HOURS = 5;
    private static final Duration FIRST_COMMIT_PATIENCE = Duration.ofSeconds(90);
    private static final Duration CATCH_UP_PATIENCE = Duration.ofSeconds(120);

    enum Disruption { KILL, HALT_AFTER_FILES, HALT_AFTER_JOURNAL }

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the children's logs of a failed run
    static Path dir;
    static IngestEnvironment env;

    private final List<ChildJvm> children = new ArrayList<>();

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
    void killChildren() throws InterruptedException {
        for (ChildJvm c : children) {
            c.close();
        }
    }

    @Test
    void everyRecordOnceAfterSigkillsAndCrashesInsideCommits() throws Exception {
        run("eo-small", 6_000, Duration.ofSeconds(150),
                List.of(Disruption.KILL, Disruption.HALT_AFTER_FILES, Disruption.KILL));
    }

    @Test
    @Tag("slow")
    void everyRecordOnceAfterManySigkillsAndCrashesInsideCommits() throws Exception {
        run("eo-large", 20_000, Duration.ofSeconds(300),
                List.of(Disruption.KILL, Disruption.HALT_AFTER_FILES, Disruption.KILL, Disruption.HALT_AFTER_JOURNAL,
                        Disruption.KILL, Disruption.HALT_AFTER_FILES, Disruption.KILL));
    }

    private void run(String topic, int n, Duration produceOver, List<Disruption> plan) throws Exception {
        long started = System.nanoTime();
        Random random = new Random(SEED ^ topic.hashCode());
        LOG.info("{}: {} records, paced over {} until the disruptions are over, disruptions {}, seed {}", topic, n,
                produceOver, plan, SEED);
        env.createTopic(topic, PARTITIONS);
        String warehouse = env.hdfs("/eo/" + topic);
        TableSpec spec = IngestChild.tables(warehouse).tableFor(topic);
        TableSink sink = ExactlyOnceAudit.openSink(spec, env.registryUrl());

        // given a producer writing n keyed records at a steady pace
        SteadyProducer producer = new SteadyProducer(env.bootstrap(), env.registryUrl(), topic, PARTITIONS, n,
                HOURS, produceOver);
        try (producer) {
            producer.start();

            // when the job is killed and crashes inside commits while it reads them
            int number = 0;
            for (Disruption d : plan) {
                number++;
                switch (d) {
                    case KILL -> killAtRandom(number, topic, warehouse, sink, random, producer);
                    case HALT_AFTER_FILES -> haltInsideCommit(number, topic, warehouse, spec, sink, random,
                            Point.AFTER_FILES);
                    case HALT_AFTER_JOURNAL -> haltInsideCommit(number, topic, warehouse, spec, sink, random,
                            Point.AFTER_JOURNAL);
                }
            }
            producer.hurry();
            producer.awaitDone(Duration.ofMinutes(2));

            // and a last child runs until the journals cover the log end
            Map<TopicPartition, Long> end = producer.endOffsets();
            ChildJvm last = startChild("child-" + (number + 1) + "-final", topic, warehouse, List.of());
            awaitCoverage(last, sink, end);
            int status = last.terminate(Duration.ofSeconds(30));
            LOG.info("{}: final child caught up and ended with status {}", topic, status);

            // then recovery has nothing left to do, and the table holds every record once
            ExactlyOnceAudit.assertRecoveredAndCaughtUp(spec, env.registryUrl(), end);
            ExactlyOnceAudit.assertExactlyOnce(TableReader.open(spec, IngestEnvironment.hadoopConf()), producer);
        }
        LOG.info("{}: exactly once after {} disruptions in {} s", topic, plan.size(),
                (System.nanoTime() - started) / 1_000_000_000);
    }

    private void killAtRandom(int number, String topic, String warehouse, TableSink sink, Random random,
                              SteadyProducer producer) throws Exception {
        long before = ExactlyOnceAudit.committedThrough(sink);
        ChildJvm child = startChild("child-" + number + "-kill", topic, warehouse, List.of());
        long launched = System.nanoTime();
        awaitCommitPast(child, sink, before);
        long toFirstCommit = (System.nanoTime() - launched) / 1_000_000;
        long delay = random.nextInt(4_000);
        Thread.sleep(delay);
        int status = child.kill();
        LOG.info("{}: SIGKILL {} {} ms after its first commit ({} ms after launch; status {}); {} committed, {} of {}"
                        + " produced", topic, child.name(), delay, toFirstCommit, status,
                ExactlyOnceAudit.committedThrough(sink), producer.acked(), producer.n());
    }

    private void haltInsideCommit(int number, String topic, String warehouse, TableSpec spec, TableSink sink,
                                  Random random, Point point) throws Exception {
        int nth = 1 + random.nextInt(4);
        String name = "child-" + number + "-" + point;
        Path report = dir.resolve(topic + "-" + name + ".json");
        ChildJvm child = startChild(name, topic, warehouse,
                List.of("halt=" + point, "nth=" + nth, "report=" + report));
        Integer status = child.awaitExit(FIRST_COMMIT_PATIENCE.plusSeconds(60));
        assertThat(status).as("%s ends by halting %s its commit #%d\n%s", name, point, nth, child.tail(60))
                .isEqualTo(point.exitStatus);
        HaltingCommitHook.Report r = HaltingCommitHook.Report.read(report);
        assertCrashState(spec, sink, r);
        LOG.info("{}: {} halted {} commit #{} ({}-{} seq {}, offsets {}..{}, {} files)", topic, name, point, nth,
                r.entry().topic(), r.entry().partition(), r.entry().seq(), r.entry().fromOffset(),
                r.entry().toOffset(), r.entry().files().size());
    }

    /**
     * The table on HDFS is as the crash point leaves it: every file of the cut-short commit under its temporary name
     * and none in place; the journal entry absent (after files) or the newest (after the journal).
     */
    private static void assertCrashState(TableSpec spec, TableSink sink, HaltingCommitHook.Report r)
            throws Exception {
        JournalEntry e = r.entry();
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(spec.root());
        FileSystem fs = root.getFileSystem(IngestEnvironment.hadoopConf());
        List<CommittedFile> data = e.files().stream().filter(f -> f.kind().equals(CommittedFile.DATA)).toList();
        assertThat(data).as("data files of the halted commit %s", e).isNotEmpty();
        for (CommittedFile f : data) {
            assertThat(fs.exists(new org.apache.hadoop.fs.Path(root, f.tmp())))
                    .as("temporary file %s of the halted commit is on HDFS", f.tmp()).isTrue();
            assertThat(fs.exists(new org.apache.hadoop.fs.Path(root, f.path())))
                    .as("file %s of the halted commit is not in place yet", f.path()).isFalse();
        }
        JournalEntry head = sink.heads().get(new TopicPartition(e.topic(), e.partition()));
        if (r.point() == Point.AFTER_FILES) {
            assertThat(head == null ? 0 : head.seq()).as("journal of %s-%s: the halted entry %d is not recorded",
                    e.topic(), e.partition(), e.seq()).isLessThan(e.seq());
        } else {
            assertThat(head).as("journal of %s-%s", e.topic(), e.partition()).isNotNull();
            assertThat(head.seq()).as("journal of %s-%s: the halted entry is the newest", e.topic(), e.partition())
                    .isEqualTo(e.seq());
        }
    }

    private ChildJvm startChild(String name, String topic, String warehouse, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("bootstrap=" + env.bootstrap(), "registry=" + env.registryUrl(),
                "warehouse=" + warehouse, "topic=" + topic));
        args.addAll(extra);
        ChildJvm child = ChildJvm.start(topic + "-" + name, IngestChild.class, args, dir, "768m");
        children.add(child);
        LOG.info("started {} with {}", child, extra);
        return child;
    }

    /** Waits until the journals record more than {@code before} records, failing if the child dies first. */
    private static void awaitCommitPast(ChildJvm child, TableSink sink, long before) throws InterruptedException {
        long deadline = System.nanoTime() + FIRST_COMMIT_PATIENCE.toNanos();
        while (ExactlyOnceAudit.committedThrough(sink) <= before) {
            if (!child.isAlive()) {
                fail(child + " ended while the test waited for its first commit\n" + child.tail(60));
            }
            if (System.nanoTime() > deadline) {
                fail(child + " committed nothing within " + FIRST_COMMIT_PATIENCE + "\n" + child.tail(60));
            }
            Thread.sleep(200);
        }
    }

    private static void awaitCoverage(ChildJvm child, TableSink sink, Map<TopicPartition, Long> end)
            throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP_PATIENCE.toNanos();
        while (!ExactlyOnceAudit.journalsCover(sink, end)) {
            if (!child.isAlive()) {
                fail(child + " ended before its journals covered the log end " + end + "\n" + child.tail(60));
            }
            if (System.nanoTime() > deadline) {
                fail(child + " did not cover the log end " + end + " within " + CATCH_UP_PATIENCE
                        + "; journals at " + sink.heads() + "\n" + child.tail(60));
            }
            Thread.sleep(250);
        }
    }
}
