package io.sluice.audit.aggregate;

import io.sluice.audit.Tier;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The judgement on one (topic, bucket) with everything a report shows.
 *
 * @param tiersCompared the tiers present for the topic, in flow order (PRODUCER, LOG, SINK, WAREHOUSE)
 * @param tiers         per compared tier: its figures for this bucket (count 0 when it reported nothing here)
 * @param comparisons   one per adjacent pair of compared tiers, upstream first
 * @param missing       records lost, summed over the comparisons where a tier has fewer than its upstream
 * @param lostBetween   the first comparison whose downstream count drops below its upstream, if any
 * @param duplicated    records added, summed over the comparisons where a tier has more than its upstream
 * @param duplicatedBetween the first comparison whose downstream count exceeds its upstream, if any
 * @param notes         what the status depends on, in words (why PENDING, what was compared by count only)
 */
public record BucketVerdict(String topic, long bucketStart, long bucketEnd, BucketStatus status,
                            List<Tier> tiersCompared, Map<Tier, TierFigures> tiers, List<Comparison> comparisons,
                            long missing, Optional<Comparison> lostBetween,
                            long duplicated, Optional<Comparison> duplicatedBetween, List<String> notes) {

    /**
     * One tier's figures in one bucket.
     *
     * @param count        records handled (for the sink: committed)
     * @param accountedFor count + dead-lettered + filtered (equals count except for the sink)
     * @param digests      whether {@code count}'s records were digested (all contributing instances digest)
     */
    public record TierFigures(Tier tier, long count, long deadLettered, long filtered, long accountedFor,
                              boolean digests, long latencyP50, long latencyP99, long latencyMax) {}

    /** How a downstream tier compared with the tier above it. */
    public record Comparison(Tier upstream, Tier downstream, long upstreamCount, long downstreamCount,
                             Basis basis, boolean digestsDiffer) {
        /** Downstream minus upstream: negative when records were lost, positive when duplicated. */
        public long difference() {
            return downstreamCount - upstreamCount;
        }
    }

    /** What a comparison could use. */
    public enum Basis {
        /** Counts and raw key+value digests. */
        COUNT_AND_DIGEST,
        /** Counts and row digests (sink and warehouse: the rows as written). */
        COUNT_AND_ROW_DIGEST,
        /** Counts only: one side has no digest (an interceptor-only producer, or no row digest published). */
        COUNT_ONLY
    }

    /**
     * The worst ratio of a tier's count to its upstream's, capped at 1 (duplicates do not make up for losses):
     * 1 when nothing was lost, 0.9 when a tier is missing a tenth of its upstream's records.
     */
    public double completeness() {
        double worst = 1.0;
        for (Comparison c : comparisons) {
            if (c.upstreamCount() > 0) {
                worst = Math.min(worst, Math.min(1.0, (double) c.downstreamCount() / c.upstreamCount()));
            }
        }
        return worst;
    }
}
