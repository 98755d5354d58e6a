package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partitions close from what the table has committed, and a late write into a closed one is kept and noted. */
class PartitionClosingTest {
    static final long MINUTE = 60_000L;
    static final String HR16 = "dt=2025-11-24/hr=16";
    static final String HR17 = "dt=2025-11-24/hr=17";

    @TempDir
    Path dir;
    final Configuration conf = new Configuration();
    final MetricRegistry metrics = new MetricRegistry();

    TableSpec spec(Partitioning partitioning) {
        TableSpec.Builder b = TableSpec.builder("t", dir.resolve("wh/t").toUri().toString()).partitioning(partitioning)
                .allowedLateness(Duration.ofMinutes(30));
        return (partitioning == Partitioning.FIELD ? b.partitionField("region") : b).build();
    }

    CommitResult commit(PartitionCommitter c, TableSpec spec, long offset, long eventTime) {
        return c.commit(List.of(row(spec, "clicks", c.partition(), offset, eventTime)), List.of(), offset, 0);
    }

    boolean closed(String partition) {
        return Files.exists(dir.resolve("wh/t/" + partition + "/_SUCCESS"));
    }

    @Test
    void aPartitionClosesOnlyOnceEverySourcePartitionPassedItsEndPlusTheLateness() {
        TableSpec spec = spec(Partitioning.HOURLY);
        TableSink sink = TableSink.open(spec, conf, new SinkFixtures.Registry(), metrics, CommitHook.NONE);
        PartitionCommitter p0 = sink.committer("clicks", 0);
        PartitionCommitter p1 = sink.committer("clicks", 1);

        // given p1 at 16:05 and p0 at 17:40, past 16:00's end plus 30 minutes
        commit(p1, spec, 0, T0 + 5 * MINUTE);
        CommitResult r1 = commit(p0, spec, 0, T0 + 100 * MINUTE);
        // then hour 16 stays open: p1 may still send 16:xx rows within the lateness
        assertThat(r1.closedPartitions()).isEmpty();
        assertThat(closed(HR16)).isFalse();

        // when p1 reaches 17:29 (just short of 16:00 + 1h + 30m)
        assertThat(commit(p1, spec, 1, T0 + 89 * MINUTE).closedPartitions()).isEmpty();
        // and then 17:30
        CommitResult r2 = commit(p1, spec, 2, T0 + 90 * MINUTE);

        // then hour 16 is closed, hour 17 is not
        assertThat(r2.closedPartitions()).containsExactly(HR16);
        assertThat(closed(HR16)).isTrue();
        assertThat(closed(HR17)).isFalse();
        assertThat(metrics.counter("sluice.sink.t.partitions-closed").getCount()).isEqualTo(1);
    }

    @Test
    void anExpectedSourcePartitionThatHasCommittedNothingHoldsEveryPartitionOpen() {
        // given the launcher declared two source partitions, and only p0 has committed, far past hour 16
        TableSpec spec = spec(Partitioning.HOURLY);
        TableSink sink = TableSink.open(spec, conf, new SinkFixtures.Registry(), metrics, CommitHook.NONE);
        sink.expectSources(List.of(new org.apache.kafka.common.TopicPartition("clicks", 0),
                new org.apache.kafka.common.TopicPartition("clicks", 1)));
        PartitionCommitter p0 = sink.committer("clicks", 0);
        commit(p0, spec, 0, T0 + 10 * MINUTE);
        assertThat(commit(p0, spec, 1, T0 + 300 * MINUTE).closedPartitions()).isEmpty();

        // when p1 commits its first rows, past the end of hour 16 plus the lateness, after a reopen (the
        // declaration is durable)
        TableSink reopened = TableSink.open(spec, conf, new SinkFixtures.Registry(), new MetricRegistry(), CommitHook.NONE);
        CommitResult r = commit(reopened.committer("clicks", 1), spec, 0, T0 + 120 * MINUTE);

        // then hour 16 closes
        assertThat(r.closedPartitions()).contains(HR16);
        assertThat(closed(HR16)).isTrue();
    }

    @Test
    void aLateRecordForAClosedPartitionIsCommittedThereAndNoted() throws IOException {
        // given hour 16 closed
        TableSpec spec = spec(Partitioning.HOURLY);
        TableSink sink = TableSink.open(spec, conf, new SinkFixtures.Registry(), metrics, CommitHook.NONE);
        PartitionCommitter p0 = sink.committer("clicks", 0);
        commit(p0, spec, 0, T0 + 10 * MINUTE);
        assertThat(commit(p0, spec, 1, T0 + 95 * MINUTE).closedPartitions()).containsExactly(HR16);

        // when two records for 16:xx arrive late, in one commit
        long before = System.currentTimeMillis();
        CommitResult late = p0.commit(List.of(row(spec, "clicks", 0, 2, T0 + 20 * MINUTE),
                row(spec, "clicks", 0, 3, T0 + 50 * MINUTE), row(spec, "clicks", 0, 4, T0 + 96 * MINUTE)), List.of(), 4, 0);

        // then they are in hour 16 with the rest, and the commit reports hour 16 as written late
        assertThat(late.latePartitions()).containsExactly(HR16);
        assertThat(TableReader.open(spec, conf).readAll()).hasSize(5);
        List<Path> markers;
        try (Stream<Path> s = Files.list(dir.resolve("wh/t/" + HR16))) {
            markers = s.filter(p -> p.getFileName().toString().startsWith("_LATE.")).toList();
        }
        // and a marker in hour 16 says when, how many, and from which commit
        assertThat(markers).hasSize(1);
        assertThat(markers.get(0).getFileName().toString()).isEqualTo("_LATE.clicks+0+" + late.entry().seq() + ".json");
        JsonNode note = new ObjectMapper().readTree(markers.get(0).toFile());
        assertThat(note.get("records").asLong()).isEqualTo(2);
        assertThat(note.get("partition").asText()).isEqualTo(HR16);
        assertThat(note.get("committedAt").asLong()).isBetween(before, System.currentTimeMillis());
        assertThat(late.entry().files()).extracting(JournalEntry.CommittedFile::kind).contains("late-marker");
        assertThat(metrics.counter("sluice.sink.t.late-records").getCount()).isEqualTo(2);
        // and hour 16 stays closed
        assertThat(closed(HR16)).isTrue();
    }

    @Test
    void dailyPartitionsCloseAtTheEndOfTheDayAndFieldPartitionsNever() {
        TableSpec daily = spec(Partitioning.DAILY);
        PartitionCommitter c = SinkFixtures.open(daily, conf).committer("clicks", 0);
        commit(c, daily, 0, T0);
        // 2025-11-25T00:29Z: the day of T0 ended 29 minutes ago, the lateness is 30
        assertThat(commit(c, daily, 1, T0 + 8 * 60 * MINUTE + 29 * MINUTE).closedPartitions()).isEmpty();
        assertThat(commit(c, daily, 2, T0 + 8 * 60 * MINUTE + 30 * MINUTE).closedPartitions())
                .containsExactly("dt=2025-11-24");

        TableSpec byField = TableSpec.builder("f", dir.resolve("wh/f").toUri().toString())
                .partitioning(Partitioning.FIELD).partitionField("region").allowedLateness(Duration.ZERO).build();
        PartitionCommitter f = SinkFixtures.open(byField, conf).committer("clicks", 0);
        commit(f, byField, 0, T0);
        assertThat(commit(f, byField, 1, T0 + 1000 * 60 * MINUTE).closedPartitions()).isEmpty();
    }
}
