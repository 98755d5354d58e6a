package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit covers exactly the offsets its items chain into: a record that arrives after later ones is committed, not
 * dropped as a replay; a record that falls in a committed hole fails loudly; offsets the log lost before they were
 * read stop the table with the exact range, or are recorded as lost.
 */
class CommitCoverageTest {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    TableSpec spec(GapPolicy onGap) {
        return TableSpec.builder("t", dir.resolve("wh/t").toUri().toString()).onGap(onGap).build();
    }

    SinkRecord row(TableSpec spec, long offset) {
        return SinkFixtures.row(spec, "clicks", 0, offset, T0 + offset);
    }

    @Test
    void aRecordArrivingAfterLaterOnesIsCommittedNotDroppedAsAReplay() {
        // given offsets 0, 1, 3, 4 of a partition, with 2 still on its way (another bundle)
        TableSpec spec = spec(GapPolicy.STOP);
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        CommitResult first = c.commit(CommitBatch.builder().row(row(spec, 0)).row(row(spec, 1)).row(row(spec, 3))
                .row(row(spec, 4)).build());

        // then only 0..1 is committed, and 3..4 come back to wait
        assertThat(first.entry().toOffset()).isEqualTo(1);
        assertThat(first.leftover().offsets()).containsExactlyInAnyOrder(3L, 4L);

        // when 2 arrives with them
        CommitResult second = c.commit(CommitBatch.builder().row(row(spec, 2)).row(row(spec, 3)).row(row(spec, 4))
                .build());

        // then every offset is in the table once
        assertThat(second.entry().fromOffset()).isEqualTo(2);
        assertThat(second.entry().toOffset()).isEqualTo(4);
        assertThat(TableReader.open(spec, conf).readAll()).extracting(SinkFixtures::offsetOf)
                .containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void aRecordInAHoleOfACommittedRangeFailsLoudly() {
        // given 10..15 committed with 11..14 as a hole (the reader read 15 right after 10)
        TableSpec spec = spec(GapPolicy.STOP);
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        c.commit(CommitBatch.builder().row(row(spec, 10), 10).row(row(spec, 15), 11).build());
        assertThat(c.nextOffset()).isEqualTo(16);

        // when offset 12 shows up after all
        assertThatThrownBy(() -> c.commit(CommitBatch.builder().row(row(spec, 12)).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("offset 12 of clicks-0 arrived after journal entry 1 committed offsets 10..15"
                        + " without it");
        // while a replay of what the range held is dropped quietly
        assertThat(c.commit(CommitBatch.builder().row(row(spec, 15), 11).build()).skipped()).isEqualTo(1);
    }

    @Test
    void offsetsTheLogLostStopTheTableWithTheExactRangeAfterWhatCameBefore() {
        // given a reader that read 0..4, then found 5..99 deleted, then read 100
        TableSpec spec = spec(GapPolicy.STOP);
        TableSink sink = SinkFixtures.open(spec, conf);
        PartitionCommitter c = sink.committer("clicks", 0);
        CommitBatch.Builder b = CommitBatch.builder();
        for (long o = 0; o < 5; o++) {
            b.row(row(spec, o));
        }
        b.gap(new OffsetGap(5, 99, OffsetGap.Reason.RETENTION)).row(row(spec, 100));

        // then 0..4 is committed and the table stops, naming the range
        assertThatThrownBy(() -> c.commit(b.build())).isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("offsets 5..99 of clicks-0 were deleted by retention before they were ingested");
        assertThat(sink.heads().get(new TopicPartition("clicks", 0)).nextOffset()).isEqualTo(5);
        assertThat(SinkFixtures.open(spec, conf).stoppedReason()).hasValueSatisfying(r -> assertThat(r)
                .contains("offsets 5..99 of clicks-0"));
    }

    @Test
    void offsetsTheLogLostAreRecordedAsLostWhenTheTableSaysSo() {
        TableSpec spec = spec(GapPolicy.RECORD);
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        CommitResult r = c.commit(CommitBatch.builder().row(row(spec, 0))
                .gap(new OffsetGap(1, 99, OffsetGap.Reason.RETENTION)).row(row(spec, 100)).build());

        JournalEntry e = r.entry();
        assertThat(e.fromOffset()).isZero();
        assertThat(e.toOffset()).isEqualTo(100);
        assertThat(e.gaps()).containsExactly(new OffsetGap(1, 99, OffsetGap.Reason.RETENTION));
        assertThat(e.records()).isEqualTo(2);
        assertThat(e.audit().lostInGaps()).isEqualTo(99);
        assertThat(SinkFixtures.open(spec, conf).stoppedReason()).isEmpty();
    }

    @Test
    void aTruncatedLogStopsTheTableEvenWhenGapsAreRecorded() {
        TableSpec spec = spec(GapPolicy.RECORD);
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        c.commit(List.of(row(spec, 0), row(spec, 1)), List.of(), 1, 0);

        assertThatThrownBy(() -> c.commit(CommitBatch.builder()
                .gap(new OffsetGap(0, 1, OffsetGap.Reason.TRUNCATED)).build()))
                .isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("no longer holds offsets 0..1");
    }
}
