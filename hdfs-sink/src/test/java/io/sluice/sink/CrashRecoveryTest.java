package io.sluice.sink;

import static io.sluice.sink.DurabilityTest.range;
import static io.sluice.sink.SinkFixtures.HOUR;
import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A commit cut short at any point is finished or undone on the next start, never half applied nor applied twice. */
class CrashRecoveryTest {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    /** Throws once at the armed point, as a process dying there would stop the commit. */
    static final class Crash implements CommitHook {
        private static final long serialVersionUID = 1L;
        String armedAt;

        Crash arm(String point) {
            armedAt = point;
            return this;
        }

        @Override
        public void afterFilesWritten(JournalEntry entry) {
            fire("afterFilesWritten");
        }

        @Override
        public void afterJournalWritten(JournalEntry entry) {
            fire("afterJournalWritten");
        }

        private void fire(String point) {
            if (point.equals(armedAt)) {
                armedAt = null;
                throw new Boom(point);
            }
        }
    }

    static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Boom(String point) {
            super("crash at " + point);
        }
    }

    TableSpec spec(String name) {
        return TableSpec.builder(name, dir.resolve("wh/" + name).toUri().toString()).maxFileRecords(4).build();
    }

    /**
     * Files of commits not (yet) in place: in the directories of the source partition's writers, live or fenced
     * (each writer's {@code writer.<run>} marker aside).
     */
    List<Path> temporaries(String table, String source) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String kind : List.of("writers", "fenced")) {
            Path d = dir.resolve("wh/" + table + "/_sluice/" + kind + "/" + source);
            if (!Files.exists(d)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("writer."))
                        .forEach(out::add);
            }
        }
        return out;
    }

    static List<String> names(Path d) throws IOException {
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    List<Long> offsets(TableSpec spec) {
        return TableReader.open(spec, conf).readAll().stream().map(SinkFixtures::offsetOf).sorted().toList();
    }

    @Test
    void aCrashBeforeTheJournalLeavesNothingVisibleAndTheNextStartDeletesTheTemporaries() throws IOException {
        // given 0..9 committed, and a commit of 10..19 that dies once its files are written
        TableSpec spec = spec("t");
        Crash crash = new Crash();
        PartitionCommitter c = SinkFixtures.open(spec, conf, crash).committer("clicks", 0);
        c.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);
        crash.arm("afterFilesWritten");
        assertThatThrownBy(() -> c.commit(rows(spec, "clicks", 0, 10, 19, o -> T0 + HOUR), List.of(), 19, 0))
                .isInstanceOf(Boom.class);

        // then readers see only the first commit, and the temporaries are there
        assertThat(offsets(spec)).containsExactlyElementsOf(range(0, 9));
        assertThat(temporaries("t", "clicks+0")).hasSize(3);

        // when the process restarts (a new sink and committer)
        PartitionCommitter restarted = SinkFixtures.open(spec, conf).committer("clicks", 0);

        // then the temporaries are gone and the partition resumes where the journal stands
        assertThat(temporaries("t", "clicks+0")).isEmpty();
        assertThat(restarted.nextOffset()).isEqualTo(10);
        // and committing the range again gives each row once
        CommitResult again = restarted.commit(rows(spec, "clicks", 0, 10, 19, o -> T0 + HOUR), List.of(), 19, 0);
        assertThat(again.skipped()).isZero();
        assertThat(offsets(spec)).containsExactlyElementsOf(range(0, 19));
    }

    @Test
    void aCrashAfterTheJournalIsFinishedByTheNextStartAndTheReplayIsSkipped() throws IOException {
        // given a commit of 0..9 that dies right after its journal entry became durable
        TableSpec spec = spec("t");
        Crash crash = new Crash().arm("afterJournalWritten");
        assertThatThrownBy(() -> SinkFixtures.open(spec, conf, crash).committer("clicks", 0)
                .commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0)).isInstanceOf(Boom.class);
        assertThat(offsets(spec)).isEmpty();

        // when the process restarts
        TableSink sink = SinkFixtures.open(spec, conf);
        PartitionCommitter restarted = sink.committer("clicks", 0);

        // then recovery finished the renames: every row is visible once
        assertThat(restarted.nextOffset()).isEqualTo(10);
        assertThat(offsets(spec)).containsExactlyElementsOf(range(0, 9));
        assertThat(temporaries("t", "clicks+0")).isEmpty();
        // and the source replaying the same records commits nothing
        CommitResult replay = restarted.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);
        assertThat(replay.committed()).isFalse();
        assertThat(replay.skipped()).isEqualTo(10);
        assertThat(offsets(spec)).containsExactlyElementsOf(range(0, 9));
        assertThat(sink.nextOffset(new org.apache.kafka.common.TopicPartition("clicks", 0))).isEqualTo(10);
    }

    @Test
    void theSameCommitterGoingOnAfterACrashAfterTheJournalLosesNothing() {
        // given a commit of 0..9 that failed after its journal entry (its renames not done), in a process that lives on
        TableSpec spec = spec("t");
        Crash crash = new Crash().arm("afterJournalWritten");
        PartitionCommitter c = SinkFixtures.open(spec, conf, crash).committer("clicks", 0);
        assertThatThrownBy(() -> c.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0))
                .isInstanceOf(Boom.class);

        // when the runner retries the bundle with more records on the same committer, and the process later restarts
        CommitResult next = c.commit(rows(spec, "clicks", 0, 0, 19, o -> T0), List.of(), 19, 0);
        SinkFixtures.open(spec, conf).committer("clicks", 0);

        // then the first entry's files were put in place before the second entry was written: all 20 rows, once
        assertThat(next.skipped()).isEqualTo(10);
        assertThat(offsets(spec)).containsExactlyElementsOf(range(0, 19));
    }

    @Test
    void recoverDeletesTemporariesOfEverySourcePartitionEvenOnesWithoutAJournal() throws IOException {
        // given two source partitions whose first commits died before their journal entries
        TableSpec spec = spec("t");
        Crash crash = new Crash();
        TableSink sink = SinkFixtures.open(spec, conf, crash);
        for (int p = 0; p < 2; p++) {
            int source = p;
            PartitionCommitter c = sink.committer("clicks", p);
            crash.arm("afterFilesWritten");
            assertThatThrownBy(() -> c.commit(rows(spec, "clicks", source, 0, 5, o -> T0), List.of(), 5, 0))
                    .isInstanceOf(Boom.class);
        }
        assertThat(temporaries("t", "clicks+0")).isNotEmpty();

        // when a new sink recovers the table before any committer is made
        TableSink restarted = SinkFixtures.open(spec, conf);
        restarted.recover();

        // then nothing is left behind and nothing is committed
        assertThat(temporaries("t", "clicks+0")).isEmpty();
        assertThat(temporaries("t", "clicks+1")).isEmpty();
        assertThat(restarted.heads()).isEmpty();
        assertThat(restarted.committer("clicks", 0).nextOffset()).isEqualTo(-1);
    }

    @Test
    void aTemporaryJournalFileLeftByACrashIsIgnoredAndDeleted() throws IOException {
        // given a committed range, and a half-written journal entry for the next one
        TableSpec spec = spec("t");
        SinkFixtures.open(spec, conf).committer("clicks", 0).commit(rows(spec, "clicks", 0, 0, 4, o -> T0), List.of(), 4, 0);
        Path journal = dir.resolve("wh/t/_sluice/journal/clicks+0");
        Files.writeString(journal.resolve("_tmp.2." + java.util.UUID.randomUUID()), "{\"version\":1,\"seq\":2,\"nextOff");

        // when the partition is recovered
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        // then it stands where the complete entry says, and the leftover is gone
        assertThat(c.nextOffset()).isEqualTo(5);
        assertThat(names(journal)).containsExactly("00000000000000000001.json");
        assertThat(c.commit(rows(spec, "clicks", 0, 5, 6, o -> T0), List.of(), 6, 0).entry().seq()).isEqualTo(2);
    }

    @Test
    void aJournalEntryNamingAFileThatVanishedStopsTheTable() throws IOException {
        // given a commit that died after its journal entry, and its temporary files then deleted by someone
        TableSpec spec = spec("t");
        assertThatThrownBy(() -> SinkFixtures.open(spec, conf, new Crash().arm("afterJournalWritten"))
                .committer("clicks", 0).commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0))
                .isInstanceOf(Boom.class);
        for (Path f : temporaries("t", "clicks+0")) {
            Files.delete(f);
        }

        // when the partition is recovered
        TableSink sink = SinkFixtures.open(spec, conf);

        // then the table stops, naming the entry and the missing file
        assertThatThrownBy(() -> sink.committer("clicks", 0))
                .isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("journal entry 1 of clicks-0")
                .hasMessageContaining("clicks+0+0+3.avro")
                .hasMessageContaining("removed from outside Sluice");
        assertThat(sink.stoppedReason()).hasValueSatisfying(r -> assertThat(r).contains("clicks+0+0+3.avro"));
        assertThat(Files.readString(dir.resolve("wh/t/_sluice/STOPPED"))).contains("journal entry 1 of clicks-0");
    }

    @Test
    void journalKeepsTheNewestEntriesAndPrunesOlderOnes() throws IOException {
        TableSpec spec = spec("t");
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        for (long o = 0; o < 30; o++) {
            c.commit(List.of(SinkFixtures.row(spec, "clicks", 0, o, T0)), List.of(), o, 0);
        }

        List<String> entries = names(dir.resolve("wh/t/_sluice/journal/clicks+0"));
        assertThat(entries).hasSize(21).first().isEqualTo("00000000000000000010.json");
        assertThat(entries).last().isEqualTo("00000000000000000030.json");
        assertThat(SinkFixtures.open(spec, conf).committer("clicks", 0).nextOffset()).isEqualTo(30);
    }

    /**
     * Random batches, crashes at random points, restarts and replays from before the journal: at the end the
     * table holds every offset exactly once (rows and dead letters), and nothing the caller filtered.
     */
    @Test
    void randomCrashesAndReplaysEndWithEveryOffsetExactlyOnce() throws IOException {
        Random random = new Random(20261125L);
        int n = 400;
        TableSpec spec = TableSpec.builder("random", dir.resolve("wh/random").toUri().toString()).maxFileRecords(7)
                .allowedLateness(Duration.ofMinutes(30)).build();
        Crash crash = new Crash();
        String[] points = {null, null, "afterFilesWritten", "afterJournalWritten"};
        int crashes = 0;
        for (int iteration = 0; iteration < 30; iteration++) {
            TableSink sink = SinkFixtures.open(spec, conf, crash); // a restarted process
            PartitionCommitter c = sink.committer("clicks", 0);
            long next = Math.max(0, c.nextOffset());
            // the source resumes at or before the journal (a runner restoring an older checkpoint)
            long from = Math.max(0, next - random.nextInt(12));
            boolean crashed = false;
            for (int batch = 0; batch < 3 && from < n && !crashed; batch++) {
                long through = Math.min(n - 1, from + random.nextInt(30));
                crash.arm(points[random.nextInt(points.length)]);
                try {
                    commitRange(c, spec, from, through);
                } catch (Boom e) {
                    crashes++;
                    crashed = true;
                }
                from = through + 1;
            }
            crash.arm(null);
        }
        // the last run goes to the end without crashing
        PartitionCommitter last = SinkFixtures.open(spec, conf).committer("clicks", 0);
        commitRange(last, spec, Math.max(0, last.nextOffset() - 5), n - 1);

        assertThat(crashes).as("crashes injected").isGreaterThan(5);
        assertThat(last.nextOffset()).isEqualTo(n);
        List<Long> expectedRows = new ArrayList<>();
        List<Long> expectedDead = new ArrayList<>();
        for (long o = 0; o < n; o++) {
            (kindOf(o) == 1 ? expectedDead : kindOf(o) == 0 ? expectedRows : new ArrayList<Long>()).add(o);
        }
        TableReader reader = TableReader.open(spec, conf);
        Map<Long, Integer> seen = new HashMap<>();
        for (GenericRecord r : reader.readAll()) {
            seen.merge(SinkFixtures.offsetOf(r), 1, Integer::sum);
        }
        assertThat(seen.values()).allMatch(count -> count == 1);
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(expectedRows);
        assertThat(reader.deadLetters()).extracting(r -> (Long) r.get("offset"))
                .containsExactlyInAnyOrderElementsOf(expectedDead);
        assertThat(temporaries("random", "clicks+0")).isEmpty();
    }

    /** 0: a row, 1: a dead letter, 2: filtered out by a transform. Fixed per offset, as a replay sees the same log. */
    private static int kindOf(long offset) {
        return offset % 17 == 5 ? 1 : offset % 23 == 7 ? 2 : 0;
    }

    private static void commitRange(PartitionCommitter c, TableSpec spec, long from, long through) {
        List<SinkRecord> rows = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        long filtered = 0;
        for (long o = from; o <= through; o++) {
            // event times wander over six hours, so rows of one range spread over several partitions
            long eventTime = T0 + Math.floorMod(o * 7919, 6 * 60) * 60_000L;
            switch (kindOf(o)) {
                case 0 -> rows.add(SinkFixtures.row(spec, "clicks", 0, o, eventTime));
                case 1 -> dead.add(SinkFixtures.deadLetter("clicks", 0, o, eventTime));
                default -> filtered++;
            }
        }
        c.commit(rows, dead, through, filtered);
    }
}
