package io.sluice.audit.aggregate;

/** The verdict on one (topic, bucket). */
public enum BucketStatus {
    /** Every compared tier has the same count (and the same digest where both sides have digests). */
    COMPLETE,
    /** Some tier has not yet passed the bucket's end plus the allowed lateness: too early to judge. */
    PENDING,
    /** A tier has fewer records than the one upstream of it: records were lost. */
    INCOMPLETE,
    /** A tier has more records than the one upstream of it: records were duplicated. */
    DUPLICATED,
    /** Counts are equal but digests differ: records were changed. */
    CORRUPT;

    /** True for the statuses a report lists as problems. */
    public boolean isProblem() {
        return this == INCOMPLETE || this == DUPLICATED || this == CORRUPT;
    }
}
