package io.sluice.pipeline;

import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code count} small page views for an audit test, generated on demand (a million of them are never held at
 * once): record i has id {@code <prefix><i, seven digits>} and log timestamp {@code from + (to - from) * i / count},
 * so the times rise with i and spread evenly over [from, to).
 */
record AuditBatch(String prefix, int count, long from, long to) {
    /** Ten-minute audit buckets, the default width every tier counts in. */
    static final long BUCKET_MS = 600_000L;

    AuditBatch {
        if (count < 1 || to <= from) {
            throw new IllegalArgumentException("a batch needs records and a time range, not " + count + " over ["
                    + from + ", " + to + ")");
        }
    }

    /** {@code perBucket} records in each of the buckets {@code first} to {@code last} (inclusive). */
    static AuditBatch inBuckets(String prefix, int perBucket, int first, int last) {
        return new AuditBatch(prefix, perBucket * (last - first + 1), bucket(first), bucket(last + 1));
    }

    /** The start of bucket {@code k}, counted from {@link Rows#T0} (a whole hour, days ago). */
    static long bucket(int k) {
        return Rows.T0 + k * BUCKET_MS;
    }

    static long bucketOf(long timestamp) {
        return Math.floorDiv(timestamp, BUCKET_MS) * BUCKET_MS;
    }

    long timestamp(int i) {
        return from + (to - from) * i / count;
    }

    String id(int i) {
        return prefix + String.format(Locale.ROOT, "%07d", i);
    }

    GenericRecord record(int i) {
        return Rows.pageView(id(i), timestamp(i));
    }

    /** How many records of [{@code fromIndex}, {@code toIndex}) fall in each bucket. */
    SortedMap<Long, Long> perBucket(int fromIndex, int toIndex) {
        SortedMap<Long, Long> out = new TreeMap<>();
        for (int i = fromIndex; i < toIndex; i++) {
            out.merge(bucketOf(timestamp(i)), 1L, Long::sum);
        }
        return out;
    }

    SortedMap<Long, Long> perBucket() {
        return perBucket(0, count);
    }

    /** Counts per bucket of several batches added up. */
    @SafeVarargs
    static SortedMap<Long, Long> sum(SortedMap<Long, Long>... counts) {
        SortedMap<Long, Long> out = new TreeMap<>();
        for (SortedMap<Long, Long> c : counts) {
            c.forEach((k, v) -> out.merge(k, v, Long::sum));
        }
        return out;
    }
}
