package io.sluice.audit;

import java.time.Duration;

/**
 * Audit time buckets: fixed windows of the timestamp stored in the log (event time on CreateTime topics),
 * aligned to the epoch. Ten minutes unless configured.
 */
public final class Buckets {
    public static final Duration DEFAULT = Duration.ofMinutes(10);

    private final long millis;

    public Buckets(Duration width) {
        if (width.isNegative() || width.isZero() || width.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("audit bucket width must be a positive whole number of seconds, not " + width);
        }
        this.millis = width.toMillis();
    }

    public long widthMillis() {
        return millis;
    }

    /** The start of the bucket holding {@code timestamp}; negative timestamps fall in the bucket before 0. */
    public long startOf(long timestamp) {
        return Math.floorDiv(timestamp, millis) * millis;
    }
}
