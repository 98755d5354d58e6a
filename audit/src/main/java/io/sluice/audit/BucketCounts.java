package io.sluice.audit;

/**
 * What one tier counted for one topic in one time bucket.
 *
 * @param digest        the records the tier handled (for the sink: committed rows)
 * @param deadLettered  sink only: records sent to the dead-letter table instead
 * @param filtered      sink only: records a user transform dropped
 * @param latency       tier time minus the record's timestamp
 */
public record BucketCounts(String topic, long bucketStart, Digest digest, long deadLettered, long filtered,
                           LatencyHistogram latency) {
    /** Everything the tier accounted for: handled, dead-lettered and filtered. */
    public long accountedFor() {
        return digest.count() + deadLettered + filtered;
    }
}
