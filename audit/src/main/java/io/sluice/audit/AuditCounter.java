package io.sluice.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The counts one tier keeps in one process: per (topic, bucket) a digest, dead-letter and filter counts and
 * latencies, and per source partition how far the tier has got (highest offset, highest timestamp). Counts
 * are cumulative for the life of the instance; an audit message carries the whole of them with a sequence
 * number, so a message sent twice, or superseded by a later one, is never added twice.
 *
 * <p>Thread-safe. The hot path takes one lock per bucket, held for a few arithmetic operations.
 */
public final class AuditCounter {
    private record Key(String topic, long bucketStart) {}

    private static final class Bucket {
        final Digest.Accumulator digest = new Digest.Accumulator();
        final LatencyHistogram latency = new LatencyHistogram();
        long deadLettered;
        long filtered;
    }

    /** How far a tier has got in one source partition. */
    public record Progress(long highestOffset, long highestTimestamp) {}

    private final Tier tier;
    private final Buckets buckets;
    private final Map<Key, Bucket> counts = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Progress> progress = new ConcurrentHashMap<>();

    public AuditCounter(Tier tier, Buckets buckets) {
        this.tier = tier;
        this.buckets = buckets;
    }

    public Tier tier() { return tier; }
    public Buckets buckets() { return buckets; }

    /** Counts one record the tier handled; {@code hash} is its {@link RecordDigest}. */
    public void record(String topic, long timestamp, long hash, long tierTimeMillis) {
        Bucket b = bucket(topic, timestamp);
        synchronized (b) {
            b.digest.add(hash);
            b.latency.record(tierTimeMillis - timestamp);
        }
    }

    public void deadLettered(String topic, long timestamp, long n) {
        Bucket b = bucket(topic, timestamp);
        synchronized (b) {
            b.deadLettered += n;
        }
    }

    public void filtered(String topic, long timestamp, long n) {
        Bucket b = bucket(topic, timestamp);
        synchronized (b) {
            b.filtered += n;
        }
    }

    /**
     * Adds counts kept from an earlier run of the same instance (a tier whose counts survive restarts, under a
     * stable instance id): the bucket's digest, dead-letter and filter counts and latencies grow by these.
     * {@code counts.bucketStart()} must be a bucket start of this counter's {@link #buckets()}.
     */
    public void restore(BucketCounts counts) {
        if (buckets.startOf(counts.bucketStart()) != counts.bucketStart()) {
            throw new IllegalArgumentException("bucket start " + counts.bucketStart() + " of " + counts.topic()
                    + " is not a start of " + buckets.widthMillis() + " ms buckets");
        }
        Bucket b = bucket(counts.topic(), counts.bucketStart());
        synchronized (b) {
            b.digest.add(counts.digest());
            b.latency.merge(counts.latency());
            b.deadLettered += counts.deadLettered();
            b.filtered += counts.filtered();
        }
    }

    /** Notes that the tier has handled {@code topic-partition} up to {@code offset}. */
    public void advanced(String topic, int partition, long offset, long timestamp) {
        progress.merge(new TopicPartition(topic, partition), new Progress(offset, timestamp),
                (a, b) -> new Progress(Math.max(a.highestOffset(), b.highestOffset()),
                        Math.max(a.highestTimestamp(), b.highestTimestamp())));
    }

    /** A consistent copy of every bucket (each bucket is copied under its lock). */
    public List<BucketCounts> snapshot() {
        List<BucketCounts> out = new ArrayList<>(counts.size());
        counts.forEach((k, b) -> {
            synchronized (b) {
                LatencyHistogram copy = new LatencyHistogram();
                copy.merge(b.latency);
                out.add(new BucketCounts(k.topic(), k.bucketStart(), b.digest.snapshot(), b.deadLettered, b.filtered, copy));
            }
        });
        return out;
    }

    public Map<TopicPartition, Progress> progress() {
        return new HashMap<>(progress);
    }

    private Bucket bucket(String topic, long timestamp) {
        return counts.computeIfAbsent(new Key(topic, buckets.startOf(timestamp)), k -> new Bucket());
    }
}
