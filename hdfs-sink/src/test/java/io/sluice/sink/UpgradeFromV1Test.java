package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table written by Sluice 0.1 (journal entries of version 1, commit files under {@code _sluice/tmp/}) opens, recovers
 * and goes on with this version. The fixture {@code src/test/resources/tables/v1} was written by 0.1's own code: three
 * source partitions of clicks; clicks-0 cut short after its third journal entry (renames pending), clicks-2 cut short
 * after writing the files of its third commit (no entry), hour 16 closed with a late commit of clicks-1 in it.
 */
class UpgradeFromV1Test {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    TableSpec spec() throws Exception {
        Path fixture = Path.of(getClass().getResource("/tables/v1").toURI());
        copy(fixture, dir.resolve("v1"));
        return TableSpec.builder("clicks", dir.resolve("v1/clicks").toUri().toString())
                .deadLetterRoot(dir.resolve("v1/_dead_letters").toUri().toString())
                .maxFileRecords(4).allowedLateness(Duration.ZERO).build();
    }

    static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void aTableOfSluice01RecoversAndTakesNewCommits() throws Exception {
        // given the table as 0.1 left it
        TableSpec spec = spec();
        TableSink sink = SinkFixtures.open(spec, conf);

        // when it is recovered and a partition cut short commits its range again
        sink.recover();
        PartitionCommitter p2 = sink.committer("clicks", 2);
        assertThat(p2.nextOffset()).isEqualTo(15);
        List<SinkRecord> rows = new ArrayList<>();
        for (long o = 15; o <= 19; o++) {
            rows.add(SinkFixtures.row(spec, "clicks", 2, o, T0 + 2 * SinkFixtures.HOUR + o * 60_000L));
        }
        JournalEntry entry = p2.commit(rows, List.of(), 19, 0).entry();

        // then the pending renames of clicks-0 were finished, 0.1's leftovers are gone, and the new entry is version 2
        assertThat(sink.heads().get(new TopicPartition("clicks", 0)).nextOffset()).isEqualTo(21);
        assertThat(entry.version()).isEqualTo(JournalEntry.VERSION);
        assertThat(entry.seq()).isEqualTo(3);
        assertThat(entry.writer()).isNotNull();
        assertThat(Files.exists(dir.resolve("v1/clicks/_sluice/tmp/clicks+0"))).isFalse();
        assertThat(Files.exists(dir.resolve("v1/clicks/_sluice/tmp/clicks+2"))).isFalse();
        // and the table reads back whole: every offset once, the filtered one and the dead letter not as rows
        List<String> ids = TableReader.open(spec, conf).readAll().stream().map(r -> r.get("id").toString()).sorted()
                .toList();
        List<String> expected = new ArrayList<>();
        for (long o = 0; o <= 20; o++) {
            if (o != 3 && o != 7) {
                expected.add("clicks-0-" + o);
            }
        }
        for (long o = 0; o <= 15; o++) {
            expected.add("clicks-1-" + o);
        }
        for (long o = 0; o <= 19; o++) {
            expected.add("clicks-2-" + o);
        }
        assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(TableReader.open(spec, conf).deadLetters()).hasSize(1);
        // and 0.1's empty _SUCCESS still counts as closed
        assertThat(Files.exists(dir.resolve("v1/clicks/dt=2025-11-24/hr=16/_SUCCESS"))).isTrue();
    }

    @Test
    void aTableThatSluice01CommittedMomentsAgoIsRefusedUnlessTakenOver() throws Exception {
        // given a 0.1 commit that is recent: that pipeline may still be running, and it does not take part in fencing
        TableSpec spec = spec();
        Path entry = dir.resolve("v1/clicks/_sluice/journal/clicks+1/00000000000000000003.json");
        Files.writeString(entry, Files.readString(entry).replaceAll("\"committedAt\" : \\d+",
                "\"committedAt\" : " + System.currentTimeMillis()));

        // then a run is refused the table, with what to do
        assertThatThrownBy(() -> SinkFixtures.open(spec, conf).claim(PipelineRun.claimed("new"), false,
                Duration.ofMinutes(1)))
                .isInstanceOf(TableClaimedException.class)
                .hasMessageContaining("a Sluice of an earlier version committed clicks-1")
                .hasMessageContaining("Upgrading");
        // and takes it once told the old one is stopped
        assertThat(SinkFixtures.open(spec, conf).claim(PipelineRun.claimed("new"), true, Duration.ofMinutes(1))
                .holder().pipeline()).isEqualTo("new");
    }
}
