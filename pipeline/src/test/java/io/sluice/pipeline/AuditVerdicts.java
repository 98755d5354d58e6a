package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.BucketVerdict.Basis;
import io.sluice.audit.aggregate.BucketVerdict.Comparison;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Checks on the judge's verdicts when all four tiers report: producer, log, sink and warehouse. */
final class AuditVerdicts {
    static final List<Tier> ALL_TIERS = List.of(Tier.PRODUCER, Tier.LOG, Tier.SINK, Tier.WAREHOUSE);

    private AuditVerdicts() {}

    /** The verdicts by bucket start, in time order. */
    static Map<Long, BucketVerdict> byBucket(List<BucketVerdict> verdicts) {
        Map<Long, BucketVerdict> out = new LinkedHashMap<>();
        verdicts.forEach(v -> out.put(v.bucketStart(), v));
        return out;
    }

    static String name(long bucketStart) {
        return "bucket " + Instant.ofEpochMilli(bucketStart);
    }

    /** Each tier's count in the bucket, in flow order (for the sink: committed rows). */
    static List<Long> counts(BucketVerdict v) {
        List<Long> out = new ArrayList<>();
        for (Tier t : v.tiersCompared()) {
            out.add(v.tiers().get(t).count());
        }
        return out;
    }

    /**
     * COMPLETE with {@code n} records in every tier: producer, log and sink compared by count and raw digest, sink
     * and warehouse by count and row digest, and no digest differing.
     */
    static void assertComplete(BucketVerdict v, long n) {
        String what = name(v.bucketStart());
        assertThat(v.status()).as("%s: %s", what, v).isEqualTo(BucketStatus.COMPLETE);
        assertThat(v.tiersCompared()).as("%s: tiers compared", what).isEqualTo(ALL_TIERS);
        assertThat(counts(v)).as("%s: counts per tier", what).containsExactly(n, n, n, n);
        assertThat(v.comparisons()).as("%s: comparisons", what).extracting(Comparison::basis).containsExactly(
                Basis.COUNT_AND_DIGEST, Basis.COUNT_AND_DIGEST, Basis.COUNT_AND_ROW_DIGEST);
        assertThat(v.comparisons()).as("%s: digests differing", what).noneMatch(Comparison::digestsDiffer);
        assertThat(v.missing()).as("%s: missing", what).isZero();
        assertThat(v.duplicated()).as("%s: duplicated", what).isZero();
    }

    /**
     * Every bucket not in {@code except} and not the last is COMPLETE with the count {@code expected} gives it; the
     * verdicts cover exactly the buckets of {@code expected}.
     */
    static void assertCompleteExcept(List<BucketVerdict> verdicts, Map<Long, Long> expected, Collection<Long> except) {
        Map<Long, BucketVerdict> byBucket = byBucket(verdicts);
        assertThat(byBucket.keySet()).as("buckets judged").containsExactlyElementsOf(expected.keySet());
        for (BucketVerdict v : verdicts) {
            if (!except.contains(v.bucketStart())) {
                assertComplete(v, expected.get(v.bucketStart()));
            }
        }
    }

    /** The comparison between {@code upstream} and {@code downstream}. */
    static Comparison comparison(BucketVerdict v, Tier upstream, Tier downstream) {
        return v.comparisons().stream().filter(c -> c.upstream() == upstream && c.downstream() == downstream)
                .findFirst().orElseThrow(() -> new AssertionError("no comparison " + upstream + "->" + downstream
                        + " in " + v));
    }

    static BucketVerdict last(List<BucketVerdict> verdicts) {
        return verdicts.get(verdicts.size() - 1);
    }

    /** The newest bucket, whose end no tier passed but every tier was caught up with, is judged and COMPLETE. */
    static void assertNewestComplete(List<BucketVerdict> verdicts, long n) {
        BucketVerdict newest = last(verdicts);
        assertThat(newest.status()).as("the newest bucket: every tier was caught up").isEqualTo(BucketStatus.COMPLETE);
        assertThat(counts(newest)).as("newest bucket per tier").containsExactly(n, n, n, n);
    }

    /** What a loss or a duplication must show: the pair of tiers it happened between. */
    static Consumer<Comparison> between(Tier upstream, Tier downstream) {
        return c -> {
            assertThat(c.upstream()).as("upstream tier").isEqualTo(upstream);
            assertThat(c.downstream()).as("downstream tier").isEqualTo(downstream);
        };
    }
}
