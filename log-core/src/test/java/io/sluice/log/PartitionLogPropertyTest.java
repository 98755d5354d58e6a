package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.PartitionLogOperations.Append;
import io.sluice.log.PartitionLogOperations.Batch;
import io.sluice.log.PartitionLogOperations.Compact;
import io.sluice.log.PartitionLogOperations.Op;
import io.sluice.log.PartitionLogOperations.Policy;
import io.sluice.log.PartitionLogOperations.Rec;
import io.sluice.log.PartitionLogOperations.Restart;
import io.sluice.log.PartitionLogOperations.Roll;
import io.sluice.log.PartitionLogOperations.Setup;
import io.sluice.log.PartitionLogOperations.Timing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Runs random sequences of operations against a real {@link PartitionLog} (through {@link LogManager},
 * in a fresh directory per try) and against a plain in-memory model of the log, and checks after every
 * step that the two agree: offsets, high watermark, log start, the contents of reads, time lookups, and
 * what retention, compaction and restarts (clean and unclean) may and must change.
 *
 * <p>The topic flushes only when told to ({@code flush.ms} is far in the future; some tries set
 * {@code flush.messages}), so the high watermark is deterministic: it moves on {@code flush()}, when
 * {@code flush.messages} is reached, on a clean close and on recovery only. Examples at the top are
 * regressions the properties found.
 */
class PartitionLogPropertyTest {
    // ------------------------------------------------------------------ properties

    @Property(tries = 50)
    void deletePolicyLogAgreesWithModel(@ForAll("deleteSetups") Setup setup,
                                        @ForAll("deleteOps") List<Op> ops) throws IOException {
        run(setup, ops);
    }

    @Property(tries = 50)
    void compactedLogAgreesWithModel(@ForAll("compactSetups") Setup setup,
                                     @ForAll("compactOps") List<Op> ops) throws IOException {
        run(setup, ops);
    }

    private static void run(Setup setup, List<Op> ops) throws IOException {
        try (PartitionLogHarness h = new PartitionLogHarness(setup)) {
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                try {
                    h.apply(op);
                    h.checkPositions();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("step " + (i + 1) + " of " + ops.size() + " (" + op + ") failed with "
                            + setup + "; " + h.describe() + ":\n" + e.getMessage(), e);
                }
            }
            h.checkEverything("at the end");
            Statistics.label("policy").collect(setup.policy());
            Statistics.label("segments at the end").collect(bucket(h.log.segmentCount()));
            Statistics.label("restarts").collect(h.restarts > 0 ? "some" : "none");
            Statistics.label("segments deleted by retention").collect(h.retentionDeletedRecords > 0 ? "some" : "none");
            Statistics.label("records removed by compaction").collect(h.compactedAway > 0 ? "some" : "none");
            if (setup.policy().compact()) {
                Statistics.label("expired tombstones removed").collect(h.expiredTombstones > 0 ? "some" : "none");
            }
        }
    }

    // ------------------------------------------------------------------ regressions found by the properties

    /** segment.index.bytes=48: 6 offset-index entries, 4 time-index entries (the last kept for the closing one). */
    private static Setup tinyIndexes(Policy policy) {
        return new Setup(policy, 2000, 0, 48, 60_000, 10_000, new Timing(0, 0, false));
    }

    /** {@code count} single-record batches, keys {@code firstKey..}, timestamps rising by 1 s from the clock. */
    private static Append risingBatches(int count, int firstKey, boolean flush) {
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batches.add(new Batch(List.of(new Rec(firstKey + i, 10, 1000 * i)), false));
        }
        return new Append(batches, flush);
    }

    @Example
    void multiBatchAppendBeyondTheIndexLimitIsIndexedSparselyAndRollsNext() throws IOException {
        try (PartitionLogHarness h = new PartitionLogHarness(tinyIndexes(Policy.DELETE))) {
            // given a segment whose indexes hold 6 / 4 entries, when one append carries 10 batches
            h.apply(risingBatches(10, 0, true));
            // then it is accepted whole into the one segment, and every offset reads back
            assertThat(h.log.segmentCount()).as("segments after the 10-batch append").isEqualTo(1);
            for (long o = 0; o < 10; o++) {
                h.checkRead(o, 1);
            }
            // and the next append rolls, since the indexes are full
            h.apply(risingBatches(1, 10, true));
            assertThat(h.log.segmentBaseOffsets()).as("segments after the next append").containsExactly(0L, 10L);
            h.checkEverything("after the roll");
        }
    }

    @Example
    void segmentSealedWithAFullTimeIndexKeepsItsLargestTimestampAcrossRestart() throws IOException {
        try (PartitionLogHarness h = new PartitionLogHarness(tinyIndexes(Policy.DELETE))) {
            // given one append whose later batches carry timestamps larger than any the time index has room for
            h.apply(risingBatches(6, 0, true));
            // when the segment is sealed and the log restarts cleanly (the time index is then the segment's max)
            h.apply(new Roll());
            h.apply(new Restart(true));
            // then the largest timestamp is still found in the sealed segment
            h.checkTimestampLookup(h.time.milliseconds() + 5000);
            h.checkTimestampLookup(h.time.milliseconds() + 4999);
            h.checkEverything("after the restart");
        }
    }

    @Example
    void compactionMergingSegmentsWithFullIndexesSucceeds() throws IOException {
        try (PartitionLogHarness h = new PartitionLogHarness(tinyIndexes(Policy.COMPACT))) {
            // given several small segments, each rolled because its indexes filled up
            for (int i = 0; i < 16; i++) {
                h.apply(risingBatches(1, i, true));
            }
            h.apply(risingBatches(1, 0, true)); // supersedes key 0
            h.apply(new Roll());
            h.apply(risingBatches(1, 100, true));
            assertThat(h.log.segmentCount()).as("segments before compaction").isGreaterThan(3);
            // when compaction merges them into one cleaned segment (more batches than its index holds)
            h.apply(new Compact());
            // then it succeeds (reconcile checked what was removed) and everything survives restarts
            assertThat(h.compactedAway).as("records removed by compaction").isEqualTo(1);
            h.apply(new Restart(false));
            h.apply(new Restart(true));
        }
    }

    private static String bucket(int n) {
        return n <= 1 ? "1" : n <= 5 ? "2-5" : n <= 20 ? "6-20" : ">20";
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Setup> deleteSetups() {
        return PartitionLogArbitraries.setups(Arbitraries.just(Policy.DELETE));
    }

    @Provide
    Arbitrary<Setup> compactSetups() {
        return PartitionLogArbitraries.setups(Arbitraries.of(Policy.COMPACT, Policy.COMPACT_DELETE));
    }

    @Provide
    Arbitrary<List<Op>> deleteOps() {
        return PartitionLogArbitraries.ops(false);
    }

    @Provide
    Arbitrary<List<Op>> compactOps() {
        return PartitionLogArbitraries.ops(true);
    }
}
