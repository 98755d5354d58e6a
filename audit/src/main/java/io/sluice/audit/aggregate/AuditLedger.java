package io.sluice.audit.aggregate;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.Tier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * The aggregator's state: the latest cumulative counts of every tier instance, and how to merge them.
 *
 * <p>Audit messages carry cumulative counts per (instance, topic, bucket) with a sequence number rising per
 * instance. The ledger keeps, per (tier, instance, topic, bucket), the counts of the message with the highest
 * sequence; a message with the same or a lower sequence for that bucket changes nothing. So a message delivered
 * twice, replayed after an aggregator restart, or overtaken by a later one is never added twice, and a
 * restarted instance that keeps its id and its counts (the log tier) continues instead of adding. An instance
 * with a new id (a restarted producer) adds its own counts.
 *
 * <p>Progress (highest offset and timestamp per source partition, and when the instance was last caught up with
 * it) is kept per (tier, instance, partition) as the maximum ever reported; it only rises. A tier's event-time
 * watermark for a topic is the lowest over its partitions of {@link AuditMessage.PartitionProgress#watermark()}
 * (the highest over the tier's instances per partition).
 *
 * <p>Merging is done on read ({@link #view}): per (topic, bucket, tier) the digests of the tier's instances
 * are summed ({@link Digest#plus(Digest)}), latency histograms merged, dead-lettered and filtered added.
 * Replacing a cumulative count is then a map put, with no subtraction to get wrong.
 *
 * <p>{@link #messages()} gives the state back as audit messages which, applied to an empty ledger, rebuild it
 * exactly; {@link AuditStore} persists it that way.
 *
 * <p>Thread-safe: every method is synchronized (the aggregator applies, gauges and reports read).
 */
public final class AuditLedger {
    private record InstanceKey(Tier tier, String instanceId) {}

    private record BucketKey(String topic, long bucketStart) {}

    /** The counts of one instance for one bucket, from the message with sequence {@code seq}. */
    private record Entry(long seq, boolean digests, long bucketMillis, BucketCounts counts) {}

    private static final class Instance {
        final InstanceKey key;
        final Map<BucketKey, Entry> buckets = new HashMap<>();
        final Map<TopicPartition, AuditMessage.PartitionProgress> progress = new HashMap<>();
        long maxSeq = Long.MIN_VALUE;
        boolean last;
        boolean digests;
        long bucketMillis;
        long sentAt;

        Instance(InstanceKey key) {
            this.key = key;
        }

        boolean covers(String topic) {
            for (BucketKey k : buckets.keySet()) {
                if (k.topic().equals(topic)) {
                    return true;
                }
            }
            for (TopicPartition tp : progress.keySet()) {
                if (tp.topic().equals(topic)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * An instance without a last message that has been silent this much longer than the newest message seen
     * stopped without its last report (a crash): 6 of the default 10 s publish intervals.
     */
    public static final long DEFAULT_SILENCE_MILLIS = 60_000;

    private final Map<InstanceKey, Instance> instances = new HashMap<>();
    private final long silenceMillis;

    public AuditLedger() {
        this(DEFAULT_SILENCE_MILLIS);
    }

    public AuditLedger(long silenceMillis) {
        this.silenceMillis = silenceMillis;
    }
    private long applied;
    private long ignored;

    /**
     * Applies one audit message: each bucket replaces the instance's counts for that bucket when its sequence
     * is higher than the one kept, progress rises. Returns true if anything changed.
     */
    public synchronized boolean apply(AuditMessage m) {
        Instance inst = instances.computeIfAbsent(new InstanceKey(m.tier(), m.instanceId()), Instance::new);
        boolean changed = false;
        for (BucketCounts b : m.buckets()) {
            BucketKey k = new BucketKey(b.topic(), b.bucketStart());
            Entry kept = inst.buckets.get(k);
            if (kept == null || m.seq() > kept.seq()) {
                inst.buckets.put(k, new Entry(m.seq(), m.digests(), m.bucketMillis(), b));
                changed = true;
            }
        }
        for (AuditMessage.PartitionProgress p : m.progress()) {
            AuditMessage.PartitionProgress kept = inst.progress.get(p.partition());
            if (kept == null || p.highestOffset() > kept.highestOffset() || p.highestTimestamp() > kept.highestTimestamp()
                    || p.caughtUpAt() > kept.caughtUpAt()) {
                inst.progress.put(p.partition(), kept == null ? p : new AuditMessage.PartitionProgress(p.partition(),
                        Math.max(p.highestOffset(), kept.highestOffset()),
                        Math.max(p.highestTimestamp(), kept.highestTimestamp()),
                        Math.max(p.caughtUpAt(), kept.caughtUpAt())));
                changed = true;
            }
        }
        if (m.seq() > inst.maxSeq) {
            inst.maxSeq = m.seq();
            inst.last = m.last();
            inst.digests = m.digests();
            inst.bucketMillis = m.bucketMillis();
            inst.sentAt = m.sentAt();
            changed = true;
        }
        if (changed) {
            applied++;
        } else {
            ignored++;
        }
        return changed;
    }

    /** Messages that changed something, and messages that changed nothing (re-sent or overtaken). */
    public synchronized long appliedMessages() { return applied; }
    public synchronized long ignoredMessages() { return ignored; }

    /** Every topic some tier reported counts or progress for, in name order. */
    public synchronized Set<String> topics() {
        Set<String> topics = new TreeSet<>();
        for (Instance inst : instances.values()) {
            inst.buckets.keySet().forEach(k -> topics.add(k.topic()));
            inst.progress.keySet().forEach(tp -> topics.add(tp.topic()));
        }
        return topics;
    }

    /** How many tier instances have reported. */
    public synchronized int instanceCount() { return instances.size(); }

    /** A merged, immutable copy of everything known about {@code topic}. */
    public synchronized TopicView view(String topic) {
        Map<Tier, Boolean> tierDigests = new EnumMap<>(Tier.class);
        Map<Tier, Map<TopicPartition, Long>> highest = new EnumMap<>(Tier.class);
        TreeMap<Long, Map<Tier, TierBucket>> buckets = new TreeMap<>();
        Map<Long, Map<Tier, List<Entry>>> entries = new HashMap<>();
        Set<Long> widths = new TreeSet<>();
        for (Instance inst : instances.values()) {
            if (!inst.covers(topic)) {
                continue;
            }
            Tier tier = inst.key.tier();
            tierDigests.merge(tier, inst.digests, Boolean::logicalAnd);
            inst.progress.forEach((tp, p) -> {
                if (tp.topic().equals(topic)) {
                    highest.computeIfAbsent(tier, t -> new HashMap<>()).merge(tp, p.watermark(), Math::max);
                }
            });
            inst.buckets.forEach((k, e) -> {
                if (k.topic().equals(topic)) {
                    entries.computeIfAbsent(k.bucketStart(), s -> new EnumMap<>(Tier.class))
                            .computeIfAbsent(tier, t -> new ArrayList<>()).add(e);
                    widths.add(e.bucketMillis());
                }
            });
        }
        entries.forEach((start, byTier) -> {
            Map<Tier, TierBucket> merged = new EnumMap<>(Tier.class);
            byTier.forEach((tier, es) -> merged.put(tier, merge(tier, topic, start, es)));
            buckets.put(start, Collections.unmodifiableMap(merged));
        });
        Map<Tier, Long> watermarks = new EnumMap<>(Tier.class);
        highest.forEach((tier, byPartition) -> watermarks.put(tier,
                byPartition.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE)));
        // the ledger's clock is the newest message it has seen: no wall clock, so a replay judges the same
        long newest = instances.values().stream().mapToLong(i -> i.sentAt).max().orElse(Long.MIN_VALUE);
        Map<Tier, List<String>> stoppedUnclean = new EnumMap<>(Tier.class);
        for (Instance inst : instances.values()) {
            if (inst.covers(topic) && !inst.last && inst.sentAt > 0 && newest - inst.sentAt > silenceMillis) {
                stoppedUnclean.computeIfAbsent(inst.key.tier(), t -> new ArrayList<>()).add(inst.key.instanceId());
            }
        }
        stoppedUnclean.values().forEach(Collections::sort);
        return new TopicView(topic, Collections.unmodifiableSet(tierDigests.keySet()),
                Collections.unmodifiableMap(tierDigests), Collections.unmodifiableMap(watermarks),
                Collections.unmodifiableNavigableMap(buckets), Collections.unmodifiableSet(widths),
                Collections.unmodifiableMap(stoppedUnclean));
    }

    private static TierBucket merge(Tier tier, String topic, long start, List<Entry> es) {
        Digest digest = Digest.EMPTY;
        LatencyHistogram latency = new LatencyHistogram();
        long deadLettered = 0;
        long filtered = 0;
        boolean digests = true;
        Digest rowDigest = Digest.EMPTY;
        long unreadable = 0;
        for (Entry e : es) {
            rowDigest = rowDigest == null || e.counts().rowDigest() == null ? null : rowDigest.plus(e.counts().rowDigest());
            unreadable += e.counts().unreadable();
            digest = digest.plus(e.counts().digest());
            latency.merge(e.counts().latency());
            deadLettered += e.counts().deadLettered();
            filtered += e.counts().filtered();
            digests &= e.digests();
        }
        return new TierBucket(tier, topic, start, digest, deadLettered, filtered, latency, digests, es.size(),
                rowDigest, unreadable);
    }

    /**
     * The state as audit messages: per instance, one message per distinct sequence its kept buckets came
     * from, and its progress in the message of its highest sequence. Applying them to an empty ledger, in
     * any order, rebuilds this ledger exactly.
     */
    public synchronized List<AuditMessage> messages() {
        List<AuditMessage> out = new ArrayList<>();
        for (Instance inst : instances.values()) {
            Map<Long, List<BucketCounts>> bySeq = new TreeMap<>();
            Map<Long, Entry> sample = new HashMap<>();
            inst.buckets.forEach((k, e) -> {
                bySeq.computeIfAbsent(e.seq(), s -> new ArrayList<>()).add(e.counts());
                sample.putIfAbsent(e.seq(), e);
            });
            bySeq.computeIfAbsent(inst.maxSeq, s -> new ArrayList<>());
            bySeq.forEach((seq, bs) -> {
                boolean top = seq == inst.maxSeq;
                Entry e = sample.get(seq);
                out.add(new AuditMessage(inst.key.instanceId(), inst.key.tier(), seq, top ? inst.sentAt : 0,
                        e != null ? e.bucketMillis() : inst.bucketMillis, top && inst.last,
                        e != null ? e.digests() : inst.digests, bs,
                        top ? new ArrayList<>(inst.progress.values()) : List.of()));
            });
        }
        return out;
    }

    /**
     * Forgets every bucket that started before {@code bucketStart} (bounded state for a long-running
     * aggregator); returns how many instance buckets were dropped. Progress is kept, except that an instance
     * left with no bucket that has ended (closed cleanly) or last reported before {@code bucketStart} is
     * forgotten whole: every producer restart is a new instance, and without this the ledger kept them all.
     */
    public synchronized int forgetBefore(long bucketStart) {
        int dropped = 0;
        for (Instance inst : instances.values()) {
            int before = inst.buckets.size();
            inst.buckets.keySet().removeIf(k -> k.bucketStart() < bucketStart);
            dropped += before - inst.buckets.size();
        }
        instances.values().removeIf(inst -> inst.buckets.isEmpty() && (inst.last || inst.sentAt < bucketStart));
        return dropped;
    }

    /** The tier instances that reported for {@code topic}, for reports: "tier instance-id". */
    public synchronized List<String> instancesOf(String topic) {
        List<String> out = new ArrayList<>();
        for (Instance inst : instances.values()) {
            if (inst.covers(topic)) {
                out.add(inst.key.tier() + " " + inst.key.instanceId() + (inst.last ? " (closed)" : ""));
            }
        }
        Collections.sort(out);
        return out;
    }
}
