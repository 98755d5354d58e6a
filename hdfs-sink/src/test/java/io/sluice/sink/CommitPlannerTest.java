package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sink.CommitPlanner.Plan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What one commit covers, decided from the journal's next offset and the items' coverage alone. */
class CommitPlannerTest {
    static final TableSpec SPEC = TableSpec.builder("t", "file:///t").build();

    static SinkRecord row(long offset) {
        return SinkFixtures.row(SPEC, "clicks", 0, offset, T0);
    }

    static CommitBatch rows(long... offsets) {
        CommitBatch.Builder b = CommitBatch.builder();
        for (long o : offsets) {
            b.row(row(o));
        }
        return b.build();
    }

    static List<Long> offsets(Plan p) {
        return p.rows().stream().map(SinkRecord::offset).toList();
    }

    @Test
    void consecutiveItemsFromTheJournalAreCommittedWhole() {
        Plan p = CommitPlanner.plan(10, rows(10, 11, 12), GapPolicy.STOP);
        assertThat(p.from()).isEqualTo(10);
        assertThat(p.to()).isEqualTo(12);
        assertThat(offsets(p)).containsExactly(10L, 11L, 12L);
        assertThat(p.holeOffsets()).isZero();
        assertThat(p.leftover()).isEmpty();
    }

    @Test
    void anItemAfterOneThatHasNotArrivedWaitsInsteadOfBeingSkippedOver() {
        // offsets 10, 12, 13 arrived; 11 has not (it is in another bundle)
        Plan p = CommitPlanner.plan(10, rows(13, 10, 12), GapPolicy.STOP);

        assertThat(p.to()).isEqualTo(10);
        assertThat(offsets(p)).containsExactly(10L);
        assertThat(p.leftover()).extracting(CommitBatch.Item::offset).containsExactly(12L, 13L);
    }

    @Test
    void aRecordReadAfterAHoleCoversTheHoleWhichIsRecordedAsSuch() {
        // the reader read 10, then 15 (11..14 were compacted away), then 16
        CommitBatch b = CommitBatch.builder().row(row(10)).row(row(15), 11).row(row(16)).build();

        Plan p = CommitPlanner.plan(10, b, GapPolicy.STOP);

        assertThat(p.from()).isEqualTo(10);
        assertThat(p.to()).isEqualTo(16);
        assertThat(p.holeOffsets()).isEqualTo(4);
        assertThat(p.holes()).containsExactly(new OffsetRange(11, 14));
    }

    @Test
    void aFirstRangeStartsWhereTheReaderStarted() {
        // never committed; the reader started at 100 and its first record is 103
        CommitBatch b = CommitBatch.builder().row(row(103), 100).row(row(104)).build();

        Plan p = CommitPlanner.plan(-1, b, GapPolicy.STOP);

        assertThat(p.from()).isEqualTo(100);
        assertThat(p.to()).isEqualTo(104);
        assertThat(p.holes()).containsExactly(new OffsetRange(100, 102));
    }

    @Test
    void aPartitionNeverCommittedWaitsForTheItemReadFirstWhenItsReaderMarksIt() {
        // the reader started at 0, but 5 and 6 arrived before 0..4
        CommitBatch early = CommitBatch.builder().marksReadStarts().row(row(5)).row(row(6)).build();
        Plan waiting = CommitPlanner.plan(-1, early, GapPolicy.STOP);
        assertThat(waiting.commits()).isFalse();
        assertThat(waiting.leftover()).hasSize(2);

        CommitBatch.Builder all = CommitBatch.builder().marksReadStarts().readStartedAt(0).row(row(5)).row(row(6));
        for (long o = 0; o < 5; o++) {
            all.row(row(o));
        }
        Plan p = CommitPlanner.plan(-1, all.build(), GapPolicy.STOP);
        assertThat(p.from()).isZero();
        assertThat(p.to()).isEqualTo(6);
    }

    @Test
    void itemsBelowTheJournalAreReplaysAndSecondCopiesAreDropped() {
        Plan p = CommitPlanner.plan(12, rows(10, 11, 12, 12, 13), GapPolicy.STOP);

        assertThat(p.replays()).extracting(CommitBatch.Item::offset).containsExactly(10L, 11L);
        assertThat(p.duplicates()).isEqualTo(1);
        assertThat(p.skipped()).isEqualTo(3);
        assertThat(offsets(p)).containsExactly(12L, 13L);
    }

    @Test
    void aGapUnderStopEndsTheRangeBeforeIt() {
        CommitBatch b = CommitBatch.builder().row(row(10)).gap(new OffsetGap(11, 49, OffsetGap.Reason.RETENTION))
                .row(row(50)).build();

        Plan p = CommitPlanner.plan(10, b, GapPolicy.STOP);

        assertThat(p.to()).isEqualTo(10);
        assertThat(p.stop()).isEqualTo(new OffsetGap(11, 49, OffsetGap.Reason.RETENTION));
        assertThat(p.leftover()).hasSize(2);
    }

    @Test
    void aGapUnderRecordIsPartOfTheRangeAsLostOffsets() {
        CommitBatch b = CommitBatch.builder().row(row(10)).gap(new OffsetGap(11, 49, OffsetGap.Reason.RETENTION))
                .row(row(50)).build();

        Plan p = CommitPlanner.plan(10, b, GapPolicy.RECORD);

        assertThat(p.from()).isEqualTo(10);
        assertThat(p.to()).isEqualTo(50);
        assertThat(p.gaps()).containsExactly(new OffsetGap(11, 49, OffsetGap.Reason.RETENTION));
        assertThat(p.holeOffsets()).isZero();
        assertThat(p.stop()).isNull();
    }

    @Test
    void aGapTheJournalAlreadyCoversIsNoGapAndOneItPartlyCoversIsCut() {
        // a restore from a checkpoint older than the log start: the reader's gap lies below the journal
        Plan covered = CommitPlanner.plan(60, CommitBatch.builder().gap(new OffsetGap(20, 49, OffsetGap.Reason.RETENTION))
                .row(row(60), 50).build(), GapPolicy.STOP);
        assertThat(covered.stop()).isNull();
        assertThat(offsets(covered)).containsExactly(60L);

        Plan partly = CommitPlanner.plan(30, CommitBatch.builder().gap(new OffsetGap(20, 49, OffsetGap.Reason.RETENTION))
                .build(), GapPolicy.STOP);
        assertThat(partly.stop()).isEqualTo(new OffsetGap(30, 49, OffsetGap.Reason.RETENTION));
    }

    @Test
    void aTruncatedLogStopsWhereverItLies() {
        Plan p = CommitPlanner.plan(500, CommitBatch.builder().row(row(10))
                .gap(new OffsetGap(100, 499, OffsetGap.Reason.TRUNCATED)).build(), GapPolicy.RECORD);

        assertThat(p.commits()).isFalse();
        assertThat(p.stop().reason()).isEqualTo(OffsetGap.Reason.TRUNCATED);
    }

    @Test
    void shuffledBatchesEndWithEveryOffsetCommittedOnceInOrder() {
        // items 0..199 in random order, split into random batches, each commit fed its leftovers with the next batch
        Random random = new Random(42);
        List<Long> all = new ArrayList<>();
        for (long o = 0; o < 200; o++) {
            all.add(o);
        }
        Collections.shuffle(all, random);
        long next = 0;
        List<Long> committed = new ArrayList<>();
        List<CommitBatch.Item> held = new ArrayList<>();
        int i = 0;
        while (i < all.size() || !held.isEmpty()) {
            CommitBatch.Builder b = CommitBatch.builder();
            held.forEach(h -> b.row((SinkRecord) h.payload(), h.coversFrom()));
            for (int k = random.nextInt(30); k > 0 && i < all.size(); k--) {
                b.row(row(all.get(i++)));
            }
            Plan p = CommitPlanner.plan(next, b.build(), GapPolicy.STOP);
            if (p.commits()) {
                assertThat(p.from()).isEqualTo(next);
                committed.addAll(offsets(p));
                next = p.to() + 1;
            }
            held = p.leftover();
            if (i >= all.size() && !held.isEmpty() && !p.commits()) {
                throw new AssertionError("stuck at " + next + " with " + held.size() + " items held");
            }
        }
        assertThat(committed).hasSize(200).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aVouchedBatchCoversEveryOffsetUpToWhatItVouchesFor() {
        Plan p = CommitPlanner.plan(10, CommitBatch.vouched(List.of(row(10), row(12)), List.of(), List.of(), 0, 15),
                GapPolicy.STOP);

        assertThat(p.from()).isEqualTo(10);
        assertThat(p.to()).isEqualTo(15);
        assertThat(p.holes()).containsExactly(new OffsetRange(11, 11), new OffsetRange(13, 15));
        assertThatThrownBy(() -> CommitPlanner.plan(10, CommitBatch.vouched(List.of(row(16)), List.of(), List.of(), 0,
                15), GapPolicy.STOP)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past it");
    }
}
