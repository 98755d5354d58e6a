package io.sluice.log;

import io.sluice.log.PartitionLogOperations.Append;
import io.sluice.log.PartitionLogOperations.Batch;
import io.sluice.log.PartitionLogOperations.Compact;
import io.sluice.log.PartitionLogOperations.Flush;
import io.sluice.log.PartitionLogOperations.Op;
import io.sluice.log.PartitionLogOperations.Policy;
import io.sluice.log.PartitionLogOperations.Read;
import io.sluice.log.PartitionLogOperations.Rec;
import io.sluice.log.PartitionLogOperations.Restart;
import io.sluice.log.PartitionLogOperations.Retain;
import io.sluice.log.PartitionLogOperations.Roll;
import io.sluice.log.PartitionLogOperations.Setup;
import io.sluice.log.PartitionLogOperations.Tick;
import io.sluice.log.PartitionLogOperations.TimeNearNow;
import io.sluice.log.PartitionLogOperations.TimeOfRecord;
import io.sluice.log.PartitionLogOperations.Timing;
import io.sluice.log.PartitionLogOperations.Where;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/** The generators of {@link PartitionLogPropertyTest}: topic setups and sequences of operations. */
final class PartitionLogArbitraries {
    private PartitionLogArbitraries() {
    }

    static Arbitrary<Setup> setups(Arbitrary<Policy> policies) {
        Arbitrary<Integer> segmentBytes = Arbitraries.integers().between(300, 2000);
        Arbitrary<Integer> indexInterval = Arbitraries.integers().between(0, 300);
        // 0 = the default segment.index.bytes; small values make indexes fill up and force rolls
        Arbitrary<Integer> indexBytes = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(48, 240)));
        Arbitrary<Long> deleteDelay = Arbitraries.of(60_000L, 0L);
        Arbitrary<Long> deleteRetention = Arbitraries.longs().between(1_000, 100_000);
        // 0 = the default segment.ms (7 days: never reached by a try)
        Arbitrary<Long> segmentMs = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.longs().between(20_000, 400_000)));
        // 0 = flush.messages unset (explicit flushes only)
        Arbitrary<Integer> flushMessages = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 30)));
        Arbitrary<Boolean> logAppendTime = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Timing> timing = Combinators.combine(segmentMs, flushMessages, logAppendTime).as(Timing::new);
        return Combinators.combine(policies, segmentBytes, indexInterval, indexBytes, deleteDelay, deleteRetention, timing)
                .as(Setup::new);
    }

    static Arbitrary<List<Op>> ops(boolean compacted) {
        Arbitrary<Integer> keys = compacted
                ? Arbitraries.integers().between(0, 7)
                : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(-1)), Tuple.of(1, Arbitraries.integers().between(0, 5)));
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.integers().between(0, 120)),
                Tuple.of(1, Arbitraries.just(-1)));
        Arbitrary<Integer> tsDeltas = Arbitraries.integers().between(-100_000, 100_000);
        Arbitrary<Rec> rec = Combinators.combine(keys, sizes, tsDeltas).as(Rec::new);
        Arbitrary<Boolean> gzip = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Batch> batch = Combinators.combine(rec.list().ofMinSize(1).ofMaxSize(8), gzip).as(Batch::new);
        Arbitrary<List<Batch>> batches = Arbitraries.frequencyOf(
                Tuple.of(5, batch.list().ofSize(1)),
                Tuple.of(1, batch.list().ofMinSize(2).ofMaxSize(3)));
        Arbitrary<Op> append = Combinators.combine(batches, Arbitraries.of(false, true)).as(Append::new);
        Arbitrary<Op> read = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Where.BELOW_START)),
                        Tuple.of(6, Arbitraries.just(Where.IN_RANGE)), Tuple.of(1, Arbitraries.just(Where.AT_HW)),
                        Tuple.of(1, Arbitraries.just(Where.ABOVE_HW))),
                Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(1, 3000)).as(Read::new);
        Arbitrary<Op> timeOfRecord = Combinators.combine(Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(-1, 1)).as(TimeOfRecord::new);
        Arbitrary<Op> timeNearNow = Arbitraries.integers().between(-150_000, 150_000).map(TimeNearNow::new);
        Arbitrary<Op> tick = Arbitraries.longs().between(1, 200_000).map(Tick::new);
        Arbitrary<Op> retainBytes = Arbitraries.longs().between(0, 6000).map(v -> new Retain(true, v));
        Arbitrary<Op> retainMs = Arbitraries.longs().between(0, 200_000).map(v -> new Retain(false, v));
        return Arbitraries.frequencyOf(
                Tuple.of(30, append),
                Tuple.of(8, Arbitraries.just(new Flush())),
                Tuple.of(16, read),
                Tuple.of(5, timeOfRecord),
                Tuple.of(3, timeNearNow),
                Tuple.of(5, Arbitraries.just(new Roll())),
                Tuple.of(4, tick),
                Tuple.of(3, retainBytes),
                Tuple.of(3, retainMs),
                Tuple.of(compacted ? 7 : 1, Arbitraries.just(new Compact())),
                Tuple.of(3, Arbitraries.of(new Restart(true), new Restart(false))))
                .list().ofMinSize(5).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    }
}
