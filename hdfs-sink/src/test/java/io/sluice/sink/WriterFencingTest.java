package io.sluice.sink;

import static io.sluice.sink.DurabilityTest.range;
import static io.sluice.sink.SinkFixtures.HOUR;
import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.Stores.Kind;
import io.sluice.sink.internals.NoReplaceRename.Outcome;
import io.sluice.sink.internals.SinkFileSystem;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writers of one source partition, as two JVMs or two attempts of a job have them: each has a table sink of its
 * own, and they meet only on the file system. Whatever moment one of them is paused at, and however long, only the
 * newest commits, nothing is lost and nothing is written twice. On the local file system and on HDFS.
 */
class WriterFencingTest {
    @TempDir
    static Path tmp;
    static Stores stores;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        stores = new Stores(tmp);
    }

    @AfterAll
    static void stop() {
        stores.close();
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }

    private static TableSpec spec(Kind kind, String name) {
        return TableSpec.builder(name, stores.newRoot(kind, name)).maxFileRecords(1_000).build();
    }

    private static TableSink open(Kind kind, TableSpec spec, CommitHook hook) {
        return TableSink.open(spec, stores.conf(kind), new SinkFixtures.Registry(), new MetricRegistry(), hook);
    }

    private static List<Long> offsets(Kind kind, TableSpec spec) {
        return TableReader.open(spec, stores.conf(kind)).readAll().stream().map(SinkFixtures::offsetOf).sorted()
                .toList();
    }

    private static List<String> fileNames(Kind kind, TableSpec spec) {
        return TableReader.open(spec, stores.conf(kind)).committedFiles().stream().map(f -> f.getName()).sorted()
                .toList();
    }

    private static CommitResult commit(PartitionCommitter c, TableSpec spec, long from, long to) {
        return c.commit(rows(spec, "clicks", 0, from, to, o -> T0 + (o % 2) * HOUR), List.of(), to, 0);
    }

    /** Writer A, which committed 0..9, its commit of 10..19 held at {@code point} on a thread of its own. */
    private record Paused(PartitionCommitter writer, Future<CommitResult> commit, PausingHook hook) {}

    private Paused pauseSecondCommit(Kind kind, TableSpec spec, PausingHook.Point point) throws Exception {
        PausingHook hook = new PausingHook(point, 1);
        PartitionCommitter a = open(kind, spec, hook).committer("clicks", 0);
        commit(a, spec, 0, 9);
        Future<CommitResult> held = threads.submit(() -> commit(a, spec, 10, 19));
        hook.awaitPaused();
        return new Paused(a, held, hook);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aStaleWriterPausedPastThePruningWindowLandsNothing(Kind kind) throws Exception {
        // given writer A, which committed 0..9 and is paused between writing the files of 10..19 and its entry
        TableSpec spec = spec(kind, "stale");
        Paused p = pauseSecondCommit(kind, spec, PausingHook.Point.AFTER_FILES);
        PartitionCommitter a = p.writer();
        Future<CommitResult> stale = p.commit();
        PausingHook pauseA = p.hook();

        // when writer B takes over and commits 25 entries, more than the journal keeps, so A's entry number is pruned
        PartitionCommitter b = open(kind, spec, CommitHook.NONE).committer("clicks", 0);
        assertThat(b.nextOffset()).as("B resumes where the journal stands").isEqualTo(10);
        for (int i = 0; i < 25; i++) {
            commit(b, spec, 10 + 5L * i, 14 + 5L * i);
        }
        assertThat(journalNames(kind, spec)).as("entry 2, A's number, was pruned")
                .doesNotContain(String.format("%020d.json", 2));

        // then A, let go, lands nothing and moves none of its files into the table
        pauseA.release();
        assertThatThrownBy(stale::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(WriterFencedException.class);
        assertThat(offsets(kind, spec)).as("every offset once").containsExactlyElementsOf(range(0, 134));
        assertThat(fileNames(kind, spec)).as("A's file of 10..19").doesNotContain("clicks+0+10+19.avro");
        assertThat(journalNames(kind, spec)).as("A's entry in the pruned name")
                .doesNotContain(String.format("%020d.json", 2));
        TableSink reopened = open(kind, spec, CommitHook.NONE);
        assertThat(reopened.stoppedReason()).as("the table goes on").isEmpty();
        JournalEntry head = reopened.heads().get(new TopicPartition("clicks", 0));
        assertThat(head.seq()).isEqualTo(26);
        assertThat(head.writer().id()).as("the newest entry's writer").isEqualTo(b.writerName().substring(11));
        assertThat(head.audit().buckets().stream().mapToLong(JournalEntry.AuditBucket::committed).sum())
                .as("the sink tier the audit publishes (the journal's counts): A's rows are not in it")
                .isEqualTo(135);
        // and A's later commits are refused too
        assertThatThrownBy(() -> commit(a, spec, 135, 140)).isInstanceOf(WriterFencedException.class);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aNewWriterOpeningWhileTheOldIsBetweenItsFilesAndItsEntryFencesIt(Kind kind) throws Exception {
        // given writer A paused between writing the files of 10..19 and its journal entry
        TableSpec spec = spec(kind, "between");
        Paused p = pauseSecondCommit(kind, spec, PausingHook.Point.AFTER_FILES);
        PartitionCommitter a = p.writer();
        Future<CommitResult> stale = p.commit();
        PausingHook pauseA = p.hook();

        // when writer B opens (and recovers the partition) before A goes on
        PartitionCommitter b = open(kind, spec, CommitHook.NONE).committer("clicks", 0);
        pauseA.release();

        // then A's entry does not land (it would name files B's recovery may have deleted)
        assertThatThrownBy(stale::get).hasCauseInstanceOf(WriterFencedException.class);
        // and B commits the range again, and every restart after that finds the table whole
        commit(b, spec, 10, 19);
        TableSink restarted = open(kind, spec, CommitHook.NONE);
        PartitionCommitter c = restarted.committer("clicks", 0);
        assertThat(restarted.stoppedReason()).isEmpty();
        assertThat(c.nextOffset()).isEqualTo(20);
        assertThat(offsets(kind, spec)).containsExactlyElementsOf(range(0, 19));
        assertThat(liveAndFencedWriterFiles(kind, spec)).as("files left in writers' directories").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aWriterFencedAfterItsEntryLandedLeavesTheRenamesToTheNewWriter(Kind kind) throws Exception {
        // given writer A paused after the journal entry of 10..19, before any rename
        TableSpec spec = spec(kind, "renames");
        Paused p = pauseSecondCommit(kind, spec, PausingHook.Point.AFTER_JOURNAL);
        PartitionCommitter a = p.writer();
        Future<CommitResult> paused = p.commit();
        PausingHook pauseA = p.hook();
        assertThat(offsets(kind, spec)).as("before the renames").containsExactlyElementsOf(range(0, 9));

        // when writer B opens: it fences A and finishes A's committed entry from A's moved directory
        PartitionCommitter b = open(kind, spec, CommitHook.NONE).committer("clicks", 0);
        assertThat(b.nextOffset()).isEqualTo(20);
        assertThat(offsets(kind, spec)).as("after B's recovery").containsExactlyElementsOf(range(0, 19));

        // then A, let go, finds its files in place (its commit did land) and commits nothing more
        pauseA.release();
        assertThat(paused.get(30, TimeUnit.SECONDS).entry().seq()).isEqualTo(2);
        assertThatThrownBy(() -> commit(a, spec, 20, 29)).isInstanceOf(WriterFencedException.class);
        commit(b, spec, 20, 29);
        assertThat(offsets(kind, spec)).containsExactlyElementsOf(range(0, 29));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void writersRacingForTheSameEntriesCommitEveryOffsetOnce(Kind kind) throws Exception {
        // given three writers that keep registering anew (each a fresh attempt) and committing the same records
        TableSpec spec = spec(kind, "race");
        int n = 300;
        AtomicInteger fenced = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        List<Future<?>> racers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Random random = new Random(7 * w + 1);
            racers.add(threads.submit(() -> {
                TableSink sink = open(kind, spec, CommitHook.NONE);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (System.nanoTime() < deadline) {
                    PartitionCommitter c;
                    try {
                        c = sink.committer("clicks", 0);
                    } catch (WriterFencedException e) {
                        fenced.incrementAndGet(); // lost a registration to a simultaneous one
                        Thread.sleep(random.nextInt(20));
                        continue;
                    }
                    try {
                        for (int k = 0; k < 1 + random.nextInt(3); k++) {
                            long from = Math.max(0, c.nextOffset());
                            if (from >= n) {
                                return null;
                            }
                            // a writer's batch may start below the journal (a replay) and end anywhere
                            long replay = Math.max(0, from - random.nextInt(4));
                            commit(c, spec, replay, Math.min(n - 1, from + random.nextInt(15)));
                            commits.incrementAndGet();
                        }
                    } catch (WriterFencedException e) {
                        fenced.incrementAndGet();
                        // a fenced attempt is replaced after a while (Flink restarts a task in a second or so)
                        Thread.sleep(random.nextInt(20));
                    }
                }
                throw new AssertionError("writers kept fencing each other for 90 s without finishing");
            }));
        }

        // when they are done
        for (Future<?> f : racers) {
            f.get(120, TimeUnit.SECONDS);
        }

        // then writers were fenced along the way, and the table holds each offset once in a journal without holes
        assertThat(fenced.get()).as("fenced writers").isPositive();
        assertThat(commits.get()).as("commits").isGreaterThan(10);
        assertThat(offsets(kind, spec)).containsExactlyElementsOf(range(0, n - 1));
        TableSink sink = open(kind, spec, CommitHook.NONE);
        assertThat(sink.committer("clicks", 0).nextOffset()).isEqualTo(n);
        assertThat(sink.stoppedReason()).isEmpty();
        assertThat(liveAndFencedWriterFiles(kind, spec)).as("files left in writers' directories").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void ofManyRenamesOntoOneNameExactlyOneWins(Kind kind) throws Exception {
        SinkFileSystem sfs = SinkFileSystem.forRoot(stores.newRoot(kind, "renames"), stores.conf(kind));
        org.apache.hadoop.fs.Path root = sfs.qualify(stores.newRoot(kind, "renames"));
        int writers = 6;
        for (int round = 0; round < 10; round++) {
            org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(root, "entry-" + round);
            CyclicBarrier barrier = new CyclicBarrier(writers);
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(root, "draft-" + round + "-" + w);
                FSDataOutputStream out = sfs.create(src);
                out.write(("writer " + w).getBytes(StandardCharsets.UTF_8));
                sfs.syncAndClose(out);
                outcomes.add(threads.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    return sfs.renameNoReplace(src, target);
                }));
            }
            Map<Outcome, Integer> seen = new HashMap<>();
            int winner = -1;
            for (int w = 0; w < writers; w++) {
                Outcome o = outcomes.get(w).get(30, TimeUnit.SECONDS);
                seen.merge(o, 1, Integer::sum);
                if (o == Outcome.DONE) {
                    winner = w;
                }
            }
            assertThat(seen).as("round %d", round).containsExactlyInAnyOrderEntriesOf(
                    Map.of(Outcome.DONE, 1, Outcome.TARGET_EXISTS, writers - 1));
            assertThat(new String(sfs.readOrNull(target), StandardCharsets.UTF_8)).isEqualTo("writer " + winner);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aWriterWhoseDirectoryWasMovedAwayCannotWriteIntoIt(Kind kind) throws Exception {
        SinkFileSystem sfs = SinkFileSystem.forRoot(stores.newRoot(kind, "moved"), stores.conf(kind));
        org.apache.hadoop.fs.Path root = sfs.qualify(stores.newRoot(kind, "moved"));
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root, "writers/w1");
        sfs.mkdirs(dir);
        sfs.syncAndClose(sfs.createInExisting(new org.apache.hadoop.fs.Path(dir, "a")));

        assertThat(sfs.moveDirectory(dir, new org.apache.hadoop.fs.Path(root, "fenced/w1"))).isEqualTo(Outcome.DONE);

        assertThatThrownBy(() -> sfs.createInExisting(new org.apache.hadoop.fs.Path(dir, "b")))
                .isInstanceOf(FileNotFoundException.class);
        assertThat(sfs.fs().exists(dir)).as("the directory was not recreated").isFalse();
        assertThat(sfs.renameNoReplace(new org.apache.hadoop.fs.Path(dir, "a"), new org.apache.hadoop.fs.Path(root, "t")))
                .isEqualTo(Outcome.SOURCE_MISSING);
        assertThat(sfs.moveDirectory(dir, new org.apache.hadoop.fs.Path(root, "fenced/w1-again")))
                .as("a second fence of the same writer").isEqualTo(Outcome.SOURCE_MISSING);
    }

    private static List<String> journalNames(Kind kind, TableSpec spec) throws Exception {
        FileSystem fs = new org.apache.hadoop.fs.Path(spec.root()).getFileSystem(stores.conf(kind));
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(spec.root() + "/_sluice/journal/clicks+0"))) {
            names.add(s.getPath().getName());
        }
        return names;
    }

    /** Files in writers' directories other than their writer.<run> marker (what a commit left that nothing names). */
    static List<String> liveAndFencedWriterFiles(Kind kind, TableSpec spec) throws Exception {
        Configuration conf = stores.conf(kind);
        FileSystem fs = new org.apache.hadoop.fs.Path(spec.root()).getFileSystem(conf);
        List<String> out = new ArrayList<>();
        for (String d : List.of("writers", "fenced")) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(spec.root() + "/_sluice/" + d);
            if (!fs.exists(p)) {
                continue;
            }
            var it = fs.listFiles(p, true);
            while (it.hasNext()) {
                String name = it.next().getPath().getName();
                if (!name.startsWith("writer.")) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    static List<Long> rowOffsets(List<GenericRecord> rows) {
        return rows.stream().map(SinkFixtures::offsetOf).sorted().toList();
    }
}
