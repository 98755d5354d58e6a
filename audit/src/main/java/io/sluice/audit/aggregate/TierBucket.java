package io.sluice.audit.aggregate;

import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.Tier;

/**
 * One tier's counts for one (topic, bucket), merged over all of the tier's instances: digests summed, latency
 * histograms merged, dead-lettered and filtered added.
 *
 * @param digest       the merged digest of what the tier handled (for the sink: committed rows)
 * @param digests      true when every contributing instance computed real digests; false when at least one
 *                     counted only (a plain producer interceptor), so only {@code digest.count()} means anything
 * @param instances    how many instances contributed
 * @param rowDigest    sink and warehouse: the merged row digest, or null when some contributing instance has none
 * @param unreadable   warehouse: committed files holding rows of this bucket that could not be read whole
 */
public record TierBucket(Tier tier, String topic, long bucketStart, Digest digest, long deadLettered, long filtered,
                         LatencyHistogram latency, boolean digests, int instances, Digest rowDigest, long unreadable) {

    public TierBucket(Tier tier, String topic, long bucketStart, Digest digest, long deadLettered, long filtered,
                      LatencyHistogram latency, boolean digests, int instances) {
        this(tier, topic, bucketStart, digest, deadLettered, filtered, latency, digests, instances, null, 0);
    }

    /** Everything the tier accounted for: handled, dead-lettered and filtered (the sink's count against upstream). */
    public long accountedFor() {
        return digest.count() + deadLettered + filtered;
    }

    /** The count this tier is compared with its upstream tier by: {@link #accountedFor()} for the sink. */
    public long countAgainstUpstream() {
        return tier == Tier.SINK ? accountedFor() : digest.count();
    }

    /** The count the next tier down is compared with: for the sink, committed rows only (what the warehouse holds). */
    public long countForDownstream() {
        return digest.count();
    }
}
