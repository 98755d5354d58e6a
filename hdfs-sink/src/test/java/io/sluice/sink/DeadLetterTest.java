package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.deadLetter;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records that cannot become rows are committed whole, with why, next to the rows of the same range. */
class DeadLetterTest {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    static byte[] bytes(Object buffer) {
        ByteBuffer b = ((ByteBuffer) buffer).duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void deadLettersAreWrittenUnderTheTablesDeadLetterDirectoryWithTheirRawBytesAndReason() {
        // given a table with its dead letters under a root of their own
        String deadRoot = dir.resolve("wh/_errors").toUri().toString();
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString())
                .deadLetterRoot(deadRoot).build();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 2);

        // when a range with rows and two undecodable records is committed
        DeadLetter bad = new DeadLetter("clicks", 2, 13, T0 + 1, "k13".getBytes(), new byte[] {7, 0, 0, 0, 1},
                "unknown magic byte 7", "UnknownMagicByteException");
        DeadLetter keyless = new DeadLetter("clicks", 2, 15, T0 + 2, null, new byte[] {0, 0, 0, 0, 42, 1},
                "unknown schema id 42", "UnknownSchemaIdException");
        CommitResult r = c.commit(rows(spec, "clicks", 2, 10, 12, o -> T0), List.of(keyless, bad), 16, 1);

        // then the journal entry counts them, and they are in <dead-letter root>/table=clicks/dt=<day>/
        assertThat(r.entry().deadLetters()).isEqualTo(2);
        assertThat(r.entry().records()).isEqualTo(3);
        assertThat(r.entry().filtered()).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("wh/_errors/table=clicks/dt=2025-11-24/clicks+2+13+15.avro"))).isTrue();
        List<GenericRecord> dead = TableReader.open(spec, conf).deadLetters();
        assertThat(dead).hasSize(2);
        GenericRecord first = dead.get(0);
        assertThat(first.get("source_table").toString()).isEqualTo("clicks");
        assertThat(first.get("topic").toString()).isEqualTo("clicks");
        assertThat(first.get("partition")).isEqualTo(2);
        assertThat(first.get("offset")).isEqualTo(13L);
        assertThat(first.get("timestamp")).isEqualTo(T0 + 1);
        assertThat(bytes(first.get("key"))).isEqualTo("k13".getBytes());
        assertThat(bytes(first.get("value"))).containsExactly(7, 0, 0, 0, 1);
        assertThat(first.get("reason").toString()).isEqualTo("unknown magic byte 7");
        assertThat(first.get("error_class").toString()).isEqualTo("UnknownMagicByteException");
        assertThat(dead.get(1).get("key")).isNull();
        assertThat(dead.get(1).get("error_class").toString()).isEqualTo("UnknownSchemaIdException");
        // and they are not rows of the table
        assertThat(TableReader.open(spec, conf).readAll()).hasSize(3);
    }

    @Test
    void deadLettersOfAReplayedRangeAreNotWrittenAgain() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        List<DeadLetter> dead = List.of(deadLetter("clicks", 0, 3, T0), deadLetter("clicks", 0, 7, T0));
        c.commit(rows(spec, "clicks", 0, 0, 2, o -> T0), dead, 7, 3);

        // when the same range is replayed together with one new dead letter, after a restart
        CommitResult replay = SinkFixtures.open(spec, conf).committer("clicks", 0)
                .commit(rows(spec, "clicks", 0, 0, 2, o -> T0), List.of(dead.get(0), dead.get(1),
                        deadLetter("clicks", 0, 8, T0)), 8, 0);

        // then only the new one is written
        assertThat(replay.skipped()).isEqualTo(5);
        assertThat(replay.entry().deadLetters()).isEqualTo(1);
        assertThat(TableReader.open(spec, conf).deadLetters()).extracting(r -> (Long) r.get("offset"))
                .containsExactly(3L, 7L, 8L);
        // and by default they live next to the table, outside it
        assertThat(spec.deadLetterRoot()).endsWith("/wh/_dead_letters");
        assertThat(Files.exists(dir.resolve("wh/_dead_letters/table=clicks/dt=2025-11-24/clicks+0+8+8.avro"))).isTrue();
    }

    @Test
    void aFirstCommitOfDeadLettersOnlyStillMovesThePartitionOn() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        CommitResult r = c.commit(List.of(), List.of(deadLetter("clicks", 0, 40, T0)), 41, 0);

        assertThat(r.committed()).isTrue();
        assertThat(r.entry().fromOffset()).isEqualTo(40);
        assertThat(c.nextOffset()).isEqualTo(42);
        assertThat(TableReader.open(spec, conf).deadLetters()).hasSize(1);
        assertThat(TableReader.open(spec, conf).readAll()).isEmpty();
    }

    @Test
    void readingDeadLettersOfOneTableIgnoresThoseOfTheOtherTablesSharingTheRoot() {
        TableSpec a = TableSpec.builder("a", dir.resolve("wh/a").toUri().toString()).build();
        TableSpec b = TableSpec.builder("b", dir.resolve("wh/b").toUri().toString()).build();
        SinkFixtures.open(a, conf).committer("clicks", 0).commit(List.of(), List.of(deadLetter("clicks", 0, 0, T0)), 0, 0);
        SinkFixtures.open(b, conf).committer("clicks", 0).commit(List.of(), List.of(deadLetter("clicks", 0, 0, T0),
                deadLetter("clicks", 0, 1, T0)), 1, 0);

        assertThat(TableReader.open(a, conf).deadLetters()).hasSize(1);
        assertThat(TableReader.open(b, conf).deadLetters()).hasSize(2)
                .allSatisfy(r -> assertThat(r.get("source_table").toString()).isEqualTo("b"));
    }
}
