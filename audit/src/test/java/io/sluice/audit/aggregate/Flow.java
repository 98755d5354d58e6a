package io.sluice.audit.aggregate;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.RecordDigest;
import io.sluice.audit.Tier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What each tier of one topic counted, built record by record, and the audit messages one instance per tier
 * would send for it. Record i has key "k<i>", value "v<i>" and timestamp {@code T0 + i * 30 s}, so buckets of
 * ten minutes hold 20 records each: records 0-19 in bucket 0, 20-39 in bucket 1, and so on.
 *
 * <p>The sink's digest is what the sink hook publishes: count = committed, sum and xor over committed,
 * dead-lettered and filtered records.
 */
final class Flow {
    static final String TOPIC = "clicks";
    static final long T0 = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    static final long BUCKET = 600_000;

    private static final class Counts {
        final Digest.Accumulator raw = new Digest.Accumulator();
        final LatencyHistogram latency = new LatencyHistogram();
        long committed;
        long deadLettered;
        long filtered;
    }

    private final Map<Tier, Map<Long, Counts>> counts = new EnumMap<>(Tier.class);
    private final Map<Tier, Map<Integer, long[]>> progress = new EnumMap<>(Tier.class);
    private final Map<Tier, Map<Integer, Long>> caughtUp = new EnumMap<>(Tier.class);

    static long ts(int i) {
        return T0 + i * 30_000L;
    }

    static long bucket(int n) {
        return T0 + n * BUCKET;
    }

    static long hash(int i) {
        return RecordDigest.of(("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** Every tier in {@code tiers} handles records [from, to) on partition 0. */
    Flow all(int from, int to, Tier... tiers) {
        for (Tier t : tiers) {
            for (int i = from; i < to; i++) {
                count(t, i);
            }
        }
        return this;
    }

    Flow count(Tier t, int i) {
        return count(t, i, hash(i), 1_000);
    }

    /** {@code t} handled record i with this hash, {@code latency} ms after its timestamp. */
    Flow count(Tier t, int i, long hash, long latency) {
        Counts c = of(t, i);
        c.raw.add(hash);
        c.committed++;
        c.latency.record(latency);
        return advanced(t, 0, i, ts(i));
    }

    /** The sink sent record i to the dead-letter table. */
    Flow deadLettered(int i) {
        Counts c = of(Tier.SINK, i);
        c.raw.add(hash(i));
        c.deadLettered++;
        return advanced(Tier.SINK, 0, i, ts(i));
    }

    /** A transform filtered record i out before the sink. */
    Flow filtered(int i) {
        Counts c = of(Tier.SINK, i);
        c.raw.add(hash(i));
        c.filtered++;
        return advanced(Tier.SINK, 0, i, ts(i));
    }

    /** {@code t} has handled {@code partition} up to this offset and timestamp, without counting anything. */
    Flow advanced(Tier t, int partition, long offset, long timestamp) {
        progress.computeIfAbsent(t, x -> new TreeMap<>()).merge(partition, new long[] {offset, timestamp},
                (a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
        return this;
    }

    /** {@code t} had handled every record of {@code partition} as of the wall-clock time {@code asOf}. */
    Flow caughtUp(Tier t, int partition, long asOf) {
        caughtUp.computeIfAbsent(t, x -> new TreeMap<>()).merge(partition, asOf, Math::max);
        progress.computeIfAbsent(t, x -> new TreeMap<>()).putIfAbsent(partition, new long[] {-1, Long.MIN_VALUE});
        return this;
    }

    /** Moves every tier's progress far past the first buckets (4 hours after T0). */
    Flow passed() {
        for (Tier t : counts.keySet()) {
            advanced(t, 0, 100_000, T0 + 4 * 3_600_000L);
        }
        return this;
    }

    private Counts of(Tier t, int i) {
        long start = Math.floorDiv(ts(i), BUCKET) * BUCKET;
        return counts.computeIfAbsent(t, x -> new TreeMap<>()).computeIfAbsent(start, x -> new Counts());
    }

    /** The cumulative message instance {@code tier-1} would send now, with sequence {@code seq}. */
    AuditMessage message(Tier t, long seq, boolean digests) {
        return message(t, t.name().toLowerCase() + "-1", seq, digests);
    }

    AuditMessage message(Tier t, String instanceId, long seq, boolean digests) {
        return message(t, instanceId, seq, digests, T0, false);
    }

    /** The message as sent at {@code sentAt}, marked last (a clean close) or not. */
    AuditMessage message(Tier t, String instanceId, long seq, boolean digests, long sentAt, boolean last) {
        List<BucketCounts> buckets = new ArrayList<>();
        counts.getOrDefault(t, Map.of()).forEach((start, c) -> {
            Digest raw = c.raw.snapshot();
            long count = t == Tier.SINK ? c.committed : raw.count();
            LatencyHistogram copy = new LatencyHistogram();
            copy.merge(c.latency);
            buckets.add(new BucketCounts(TOPIC, start, new Digest(count, digests ? raw.sum() : 0, digests ? raw.xor() : 0), c.deadLettered, c.filtered, copy));
        });
        List<AuditMessage.PartitionProgress> ps = new ArrayList<>();
        progress.getOrDefault(t, Map.of()).forEach((p, v) ->
                ps.add(new AuditMessage.PartitionProgress(new TopicPartition(TOPIC, p), v[0], v[1],
                        caughtUp.getOrDefault(t, Map.of()).getOrDefault(p, AuditMessage.PartitionProgress.NEVER))));
        return new AuditMessage(instanceId, t, seq, sentAt, BUCKET, last, digests, buckets, ps);
    }

    /** A ledger with one message from each tier that counted anything (producer digests as given). */
    AuditLedger ledger(boolean producerDigests) {
        AuditLedger ledger = new AuditLedger();
        for (Tier t : counts.keySet()) {
            ledger.apply(message(t, 1, t != Tier.PRODUCER || producerDigests));
        }
        return ledger;
    }

    AuditLedger ledger() {
        return ledger(true);
    }
}
