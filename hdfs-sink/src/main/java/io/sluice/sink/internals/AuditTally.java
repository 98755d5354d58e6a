package io.sluice.sink.internals;

import io.sluice.audit.Buckets;
import io.sluice.audit.LatencyHistogram;
import io.sluice.sink.JournalEntry.AuditBucket;
import io.sluice.sink.JournalEntry.AuditState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The audit counts of one source partition while a commit is being built: the previous entry's cumulative
 * {@link AuditState} plus this commit's records, then pruned to {@link AuditState#MAX_BUCKETS} buckets. No I/O;
 * the committer writes the result in the journal entry. Not thread-safe (one commit, one thread).
 */
public final class AuditTally {
    private static final class Bucket {
        long committed;
        long deadLettered;
        long filtered;
        long sum;
        long xor;
        long rowSum;
        long rowXor;
        final LatencyHistogram latency;

        Bucket(LatencyHistogram latency) {
            this.latency = latency;
        }
    }

    private static final int BINS = new LatencyHistogram().counts().length;

    private final Buckets buckets;
    private final TreeMap<Long, Bucket> counts = new TreeMap<>();
    private long maxTimestamp = Long.MIN_VALUE;
    private long expiredBefore = Long.MIN_VALUE;
    private long expired;
    private long unattributed;
    private long lostInGaps;

    /**
     * Continues {@code previous} (null: nothing counted yet). Counts kept in another bucket width (the table's
     * audit bucket was changed) are not carried over: buckets of two widths cannot be added up, and the
     * aggregator keeps the old buckets as last published.
     */
    public AuditTally(AuditState previous, Duration bucketWidth) {
        this.buckets = new Buckets(bucketWidth);
        if (previous != null && previous.bucketMillis() == buckets.widthMillis()) {
            maxTimestamp = previous.maxTimestamp();
            expiredBefore = previous.expiredBefore();
            expired = previous.expired();
            unattributed = previous.unattributed();
            lostInGaps = previous.lostInGaps();
            for (AuditBucket b : previous.buckets()) {
                long[] bins = new long[BINS];
                b.latencyBins().forEach((i, n) -> bins[i] = n);
                Bucket c = new Bucket(LatencyHistogram.of(bins, b.latencyMax()));
                c.committed = b.committed();
                c.deadLettered = b.deadLettered();
                c.filtered = b.filtered();
                c.sum = b.sum();
                c.xor = b.xor();
                c.rowSum = b.rowSum();
                c.rowXor = b.rowXor();
                counts.put(b.start(), c);
            }
        } else if (previous != null) {
            maxTimestamp = previous.maxTimestamp();
        }
    }

    /** A committed row: its raw key+value digest, its row digest as written, commit time minus log timestamp. */
    public void committed(long timestamp, long rawDigest, long rowDigest, long latencyMillis) {
        Bucket b = bucket(timestamp);
        if (b == null) {
            return;
        }
        b.committed++;
        b.sum += rawDigest;
        b.xor ^= rawDigest;
        b.rowSum += rowDigest;
        b.rowXor ^= rowDigest;
        b.latency.record(latencyMillis);
    }

    public void deadLettered(long timestamp, long rawDigest) {
        Bucket b = bucket(timestamp);
        if (b != null) {
            b.deadLettered++;
            b.sum += rawDigest;
            b.xor ^= rawDigest;
        }
    }

    public void filtered(long timestamp, long rawDigest) {
        Bucket b = bucket(timestamp);
        if (b != null) {
            b.filtered++;
            b.sum += rawDigest;
            b.xor ^= rawDigest;
        }
    }

    /** Filtered records whose timestamp is not known: counted in no bucket. */
    /** Offsets recorded as lost in a gap (in no bucket: their timestamps went with them). */
    public void lostInGap(long n) {
        lostInGaps += n;
    }

    public void unattributed(long n) {
        unattributed += n;
    }

    /** The cumulative state after this commit, pruned to the newest {@link AuditState#MAX_BUCKETS} buckets. */
    public AuditState state() {
        while (counts.size() > AuditState.MAX_BUCKETS) {
            counts.pollFirstEntry();
            expiredBefore = counts.firstKey();
        }
        List<AuditBucket> out = new ArrayList<>(counts.size());
        for (Map.Entry<Long, Bucket> e : counts.entrySet()) {
            Bucket b = e.getValue();
            Map<Integer, Long> bins = new TreeMap<>();
            long[] all = b.latency.counts();
            for (int i = 0; i < all.length; i++) {
                if (all[i] != 0) {
                    bins.put(i, all[i]);
                }
            }
            out.add(new AuditBucket(e.getKey(), b.committed, b.deadLettered, b.filtered, b.sum, b.xor, b.rowSum,
                    b.rowXor, bins, b.latency.max()));
        }
        return new AuditState(buckets.widthMillis(), maxTimestamp, expiredBefore, expired, unattributed, out, lostInGaps);
    }

    private Bucket bucket(long timestamp) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        long start = buckets.startOf(timestamp);
        if (start < expiredBefore) {
            expired++;
            return null;
        }
        return counts.computeIfAbsent(start, s -> new Bucket(new LatencyHistogram()));
    }
}
