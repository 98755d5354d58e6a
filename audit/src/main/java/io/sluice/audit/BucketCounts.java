package io.sluice.audit;

/**
 * What one tier counted for one topic in one time bucket.
 *
 * @param digest        the records the tier handled (for the sink: count = committed rows, sum and xor over the
 *                      raw key+value hashes of committed, dead-lettered and filtered records)
 * @param deadLettered  sink only: records sent to the dead-letter table instead
 * @param filtered      sink only: records a user transform dropped
 * @param latency       tier time minus the record's timestamp
 * @param rowDigest     sink and warehouse only, else null: the {@link RowDigest}s of the rows as written (count =
 *                      rows), compared between the two
 * @param unreadable    warehouse only: committed files the verifier could not read whole that held rows of this
 *                      bucket (their rows here are not all in {@code rowDigest}); the bucket is then CORRUPT
 */
public record BucketCounts(String topic, long bucketStart, Digest digest, long deadLettered, long filtered,
                           LatencyHistogram latency, Digest rowDigest, long unreadable) {

    /** Counts without a row digest (producer and log tiers). */
    public BucketCounts(String topic, long bucketStart, Digest digest, long deadLettered, long filtered,
                        LatencyHistogram latency) {
        this(topic, bucketStart, digest, deadLettered, filtered, latency, null, 0);
    }

    /** Everything the tier accounted for: handled, dead-lettered and filtered. */
    public long accountedFor() {
        return digest.count() + deadLettered + filtered;
    }
}
