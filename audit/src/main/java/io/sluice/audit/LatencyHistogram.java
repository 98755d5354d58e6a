package io.sluice.audit;

import java.util.Arrays;

/**
 * A small mergeable latency histogram: counts in log-scale bins of a quarter power of two of milliseconds
 * (so a reported percentile is within 19% of the truth), up to about 35 years. It exists because audit
 * messages from many instances must be merged per bucket, and audit runs inside producers where a
 * dependency more is a cost; it is not a general histogram. Not thread-safe.
 */
public final class LatencyHistogram {
    static final int BINS = 4 * 41;
    private final long[] counts;
    private long max;
    private long total;

    public LatencyHistogram() {
        this(new long[BINS], 0);
    }

    private LatencyHistogram(long[] counts, long max) {
        this.counts = counts;
        this.max = max;
        for (long c : counts) {
            total += c;
        }
    }

    /** Rebuilds a histogram from {@link #counts()} and {@link #max()} as an audit message carries them. */
    public static LatencyHistogram of(long[] counts, long max) {
        if (counts.length != BINS) {
            throw new IllegalArgumentException("a latency histogram has " + BINS + " bins, not " + counts.length);
        }
        return new LatencyHistogram(counts.clone(), max);
    }

    /** Records one latency; a negative one (clock skew, or an event time in the future) counts as 0. */
    public void record(long millis) {
        long v = Math.max(0, millis);
        counts[bin(v)]++;
        total++;
        max = Math.max(max, v);
    }

    public void merge(LatencyHistogram other) {
        for (int i = 0; i < BINS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    public long count() { return total; }
    public long max() { return max; }
    public long[] counts() { return counts.clone(); }

    /** The latency below which {@code q} of the recordings fall (the upper edge of its bin, capped at max). */
    public long percentile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BINS; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) {
                return Math.min(max, upperEdge(i));
            }
        }
        return max;
    }

    static int bin(long millis) {
        return millis >= 0 && millis < SMALL_BINS.length ? SMALL_BINS[(int) millis] : computeBin(millis);
    }

    /** Bins of latencies below 65.536 s, computed once with {@link #computeBin}: no logarithm on the hot path. */
    private static final byte[] SMALL_BINS = new byte[1 << 16];

    static {
        for (int i = 0; i < SMALL_BINS.length; i++) {
            SMALL_BINS[i] = (byte) computeBin(i); // at most 1 + 4 * 16 = 65
        }
    }

    static int computeBin(long millis) {
        if (millis < 1) {
            return 0;
        }
        double log = Math.log(millis) / Math.log(2);
        return (int) Math.min(BINS - 1, 1 + Math.floor(log * 4));
    }

    static long upperEdge(int bin) {
        return bin == 0 ? 0 : (long) Math.ceil(Math.pow(2, bin / 4.0));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && h.max == max && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts) * 31 + Long.hashCode(max);
    }
}
