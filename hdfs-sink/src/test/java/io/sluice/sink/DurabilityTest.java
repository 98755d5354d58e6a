package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.HOUR;
import static io.sluice.sink.SinkFixtures.offsetOf;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sink.JournalEntry.CommittedFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A commit is acknowledged only once what it names is durable, and in the order that makes a crash harmless. */
class DurabilityTest {
    @TempDir
    Path dir;

    @Test
    void everyFileIsSyncedBeforeTheJournalEntryAndRenamedIntoPlaceOnlyAfterIt() {
        // given a file system that records hsync and rename calls in order
        Configuration conf = RecordingLocalFileSystem.install();
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        // when rows over three hours and a dead letter are committed
        JournalEntry entry = c.commit(rows(spec, "clicks", 0, 0, 8, o -> T0 + (o % 3) * HOUR),
                List.of(SinkFixtures.deadLetter("clicks", 0, 9, T0)), 9, 0).entry();

        // then each temporary file was synced before the journal entry was renamed into place (the commit point)
        List<String> events = new ArrayList<>(RecordingLocalFileSystem.EVENTS);
        String journalName = String.format("%020d.json", entry.seq());
        int commitPoint = indexOf(events, e -> e.startsWith("rename entry-" + entry.seq() + "-")
                && e.endsWith("-> " + journalName));
        assertThat(commitPoint).as("journal rename in %s", events).isPositive();
        assertThat(entry.files()).hasSize(4);
        for (CommittedFile f : entry.files()) {
            String tmpName = new org.apache.hadoop.fs.Path(f.tmp()).getName();
            assertThat(indexOf(events, e -> e.equals("hsync " + tmpName))).as("hsync of %s in %s", tmpName, events)
                    .isBetween(0, commitPoint - 1);
            // and no file became visible before the commit point
            assertThat(indexOf(events, e -> e.startsWith("rename " + tmpName + " ")))
                    .as("rename of %s in %s", tmpName, events).isGreaterThan(commitPoint);
        }
        // and the entry itself was synced under its draft name, in the writer's directory, before that rename
        assertThat(indexOf(events, e -> e.startsWith("hsync entry-" + entry.seq() + "-"))).isBetween(0, commitPoint - 1);
    }

    @Test
    void aCommitWhoseJournalEntryLandedButReportedFailureIsNotRewrittenByTheRetry() {
        // given a commit of 0..9, then one of 10..19 whose journal rename happens but reports an error
        Configuration conf = RecordingLocalFileSystem.install();
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).maxFileRecords(100).build();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        c.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);
        RecordingLocalFileSystem.failAfterRenameTo = p -> p.getName().equals(String.format("%020d.json", 2));
        assertThatThrownBy(() -> c.commit(rows(spec, "clicks", 0, 10, 19, o -> T0), List.of(), 19, 0))
                .isInstanceOf(UncheckedIOException.class);
        RecordingLocalFileSystem.failAfterRenameTo = p -> false;

        // when the same committer is handed a longer batch that starts at the same offset (the caller retries)
        CommitResult retry = c.commit(rows(spec, "clicks", 0, 10, 24, o -> T0), List.of(), 24, 0);

        // then it first learns from the journal that 10..19 is committed and only writes 20..24
        assertThat(retry.skipped()).isEqualTo(10);
        assertThat(retry.entry().fromOffset()).isEqualTo(20);
        // and after a restart every offset is in the table once, in files that hold what their names say
        PartitionCommitter restarted = SinkFixtures.open(spec, new Configuration()).committer("clicks", 0);
        assertThat(restarted.nextOffset()).isEqualTo(25);
        TableReader reader = TableReader.open(spec, new Configuration());
        assertThat(reader.readAll()).extracting(SinkFixtures::offsetOf)
                .containsExactlyInAnyOrderElementsOf(range(0, 24));
        assertThat(reader.committedFiles()).extracting(f -> f.getName())
                .containsExactly("clicks+0+0+9.avro", "clicks+0+10+19.avro", "clicks+0+20+24.avro");
        for (org.apache.hadoop.fs.Path f : reader.committedFiles()) {
            String[] parts = f.getName().replace(".avro", "").split("\\+");
            List<Long> offsets = new ArrayList<>();
            reader.read(f, null, r -> offsets.add(offsetOf(r)));
            assertThat(offsets).containsExactlyElementsOf(range(Long.parseLong(parts[2]), Long.parseLong(parts[3])));
        }
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            out.add(o);
        }
        return out;
    }

    private static int indexOf(List<String> events, java.util.function.Predicate<String> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
