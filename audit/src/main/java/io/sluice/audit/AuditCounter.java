package io.sluice.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The counts one tier keeps in one process: per (topic, bucket) a digest, dead-letter and filter counts and
 * latencies, and per source partition how far the tier has got (highest offset, highest timestamp, when it was
 * last caught up). Counts are cumulative for the life of the instance; an audit message carries the whole of them
 * with a sequence number, so a message sent twice, or superseded by a later one, is never added twice.
 *
 * <p>Thread-safe. Everything of one topic is guarded by that topic's monitor, so counting one acknowledged record
 * ({@link #acknowledged}) takes one uncontended lock and allocates nothing in the common case: the topic's state is
 * found by identity with the last topic's name, else with one {@link ConcurrentHashMap#get} (no key object), and
 * its most recently used bucket is checked before its bucket map (whose {@code Long} keys box).
 */
public final class AuditCounter {
    private static final class Bucket {
        final Digest.Accumulator digest = new Digest.Accumulator();
        final LatencyHistogram latency = new LatencyHistogram();
        long deadLettered;
        long filtered;
    }

    /** Per topic: its buckets and the partitions' progress, all guarded by this object's monitor. */
    private static final class TopicState {
        final String topic;
        final Map<Long, Bucket> buckets = new HashMap<>();
        long recentStart;
        long recentEnd;
        Bucket recent;
        long[] highestOffset = new long[0];
        long[] highestTimestamp = new long[0];
        long[] caughtUpAt = new long[0];
        boolean[] seen = new boolean[0];

        TopicState(String topic) {
            this.topic = topic;
        }

        /** The bucket of {@code timestamp}. Under this object's monitor. */
        Bucket bucket(long timestamp, Buckets widths) {
            Bucket r = recent;
            if (r != null && timestamp >= recentStart && timestamp < recentEnd) {
                return r;
            }
            long start = widths.startOf(timestamp);
            Bucket b = buckets.computeIfAbsent(start, k -> new Bucket());
            recent = b;
            recentStart = start;
            recentEnd = start + widths.widthMillis();
            return b;
        }

        /** Under this object's monitor. */
        void advance(int partition, long offset, long timestamp) {
            see(partition);
            highestOffset[partition] = Math.max(highestOffset[partition], offset);
            highestTimestamp[partition] = Math.max(highestTimestamp[partition], timestamp);
        }

        /** Under this object's monitor. */
        void caughtUp(int partition, long asOf) {
            see(partition);
            caughtUpAt[partition] = Math.max(caughtUpAt[partition], asOf);
        }

        private void see(int partition) {
            if (partition >= seen.length) {
                int was = seen.length;
                int n = Math.max(partition + 1, was * 2);
                highestOffset = Arrays.copyOf(highestOffset, n);
                highestTimestamp = Arrays.copyOf(highestTimestamp, n);
                caughtUpAt = Arrays.copyOf(caughtUpAt, n);
                seen = Arrays.copyOf(seen, n);
                Arrays.fill(highestOffset, was, n, -1);
                Arrays.fill(highestTimestamp, was, n, Long.MIN_VALUE);
                Arrays.fill(caughtUpAt, was, n, NEVER);
            }
            seen[partition] = true;
        }
    }

    /** {@link Progress#caughtUpAt()} of a partition that was never caught up. */
    public static final long NEVER = Long.MIN_VALUE;

    /**
     * How far a tier has got in one source partition: the highest offset and timestamp handled (-1 and
     * {@code Long.MIN_VALUE} if none), and the wall-clock time as of which it had handled every record of the
     * partition it could see ({@link #NEVER} if not known).
     */
    public record Progress(long highestOffset, long highestTimestamp, long caughtUpAt) {
        public Progress(long highestOffset, long highestTimestamp) {
            this(highestOffset, highestTimestamp, NEVER);
        }

        public AuditMessage.PartitionProgress toMessage(TopicPartition tp) {
            return new AuditMessage.PartitionProgress(tp, highestOffset, highestTimestamp, caughtUpAt);
        }
    }

    private final Tier tier;
    private final Buckets buckets;
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    /** The topic used last, compared by identity before any map lookup. */
    private volatile TopicState lastTopic;

    public AuditCounter(Tier tier, Buckets buckets) {
        this.tier = tier;
        this.buckets = buckets;
    }

    public Tier tier() { return tier; }
    public Buckets buckets() { return buckets; }

    /** Counts one record the tier handled; {@code hash} is its {@link RecordDigest}. */
    public void record(String topic, long timestamp, long hash, long tierTimeMillis) {
        TopicState t = topic(topic);
        synchronized (t) {
            Bucket b = t.bucket(timestamp, buckets);
            b.digest.add(hash);
            b.latency.record(tierTimeMillis - timestamp);
        }
    }

    /**
     * {@link #record} and {@link #advanced} of one record in one step (one lock): what a producer does for each
     * acknowledgement.
     */
    public void acknowledged(String topic, int partition, long offset, long timestamp, long hash, long tierTimeMillis) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition of " + topic + " must be >= 0, was " + partition);
        }
        TopicState t = topic(topic);
        synchronized (t) {
            Bucket b = t.bucket(timestamp, buckets);
            b.digest.add(hash);
            b.latency.record(tierTimeMillis - timestamp);
            t.advance(partition, offset, timestamp);
        }
    }

    public void deadLettered(String topic, long timestamp, long n) {
        TopicState t = topic(topic);
        synchronized (t) {
            t.bucket(timestamp, buckets).deadLettered += n;
        }
    }

    public void filtered(String topic, long timestamp, long n) {
        TopicState t = topic(topic);
        synchronized (t) {
            t.bucket(timestamp, buckets).filtered += n;
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
        TopicState t = topic(counts.topic());
        synchronized (t) {
            Bucket b = t.bucket(counts.bucketStart(), buckets);
            b.digest.add(counts.digest());
            b.latency.merge(counts.latency());
            b.deadLettered += counts.deadLettered();
            b.filtered += counts.filtered();
        }
    }

    /** Notes that the tier has handled {@code topic-partition} up to {@code offset}. */
    public void advanced(String topic, int partition, long offset, long timestamp) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition of " + topic + " must be >= 0, was " + partition);
        }
        TopicState t = topic(topic);
        synchronized (t) {
            t.advance(partition, offset, timestamp);
        }
    }

    /**
     * Notes that, as of the wall-clock time {@code asOfMillis}, the tier had handled every record of
     * {@code topic-partition} it could see (the log: everything below the high watermark read after that time).
     * The partition then no longer holds the tier's event-time watermark below {@code asOfMillis}.
     */
    public void caughtUp(String topic, int partition, long asOfMillis) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition of " + topic + " must be >= 0, was " + partition);
        }
        TopicState t = topic(topic);
        synchronized (t) {
            t.caughtUp(partition, asOfMillis);
        }
    }

    /** {@link #caughtUp} for every partition the counter has seen (a producer with nothing in flight). */
    public void caughtUpEverywhere(long asOfMillis) {
        topics.values().forEach(t -> {
            synchronized (t) {
                for (int p = 0; p < t.seen.length; p++) {
                    if (t.seen[p]) {
                        t.caughtUp(p, asOfMillis);
                    }
                }
            }
        });
    }

    /** A consistent copy of every bucket (each topic's are copied under its lock). */
    public List<BucketCounts> snapshot() {
        List<BucketCounts> out = new ArrayList<>();
        topics.forEach((name, t) -> {
            synchronized (t) {
                t.buckets.forEach((start, b) -> {
                    LatencyHistogram copy = new LatencyHistogram();
                    copy.merge(b.latency);
                    out.add(new BucketCounts(name, start, b.digest.snapshot(), b.deadLettered, b.filtered, copy));
                });
            }
        });
        return out;
    }

    public Map<TopicPartition, Progress> progress() {
        Map<TopicPartition, Progress> out = new HashMap<>();
        topics.forEach((name, t) -> {
            synchronized (t) {
                for (int p = 0; p < t.seen.length; p++) {
                    if (t.seen[p]) {
                        out.put(new TopicPartition(name, p), new Progress(t.highestOffset[p], t.highestTimestamp[p],
                                t.caughtUpAt[p]));
                    }
                }
            }
        });
        return out;
    }

    private TopicState topic(String topic) {
        TopicState t = lastTopic;
        if (t != null && t.topic == topic) { // the same String instance: a producer's acknowledgements carry the batch's
            return t;
        }
        t = topics.get(topic);
        if (t == null) {
            t = topics.computeIfAbsent(topic, TopicState::new);
        }
        lastTopic = t;
        return t;
    }
}
