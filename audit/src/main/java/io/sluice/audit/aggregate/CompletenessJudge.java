package io.sluice.audit.aggregate;

import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketVerdict.Basis;
import io.sluice.audit.aggregate.BucketVerdict.Comparison;
import io.sluice.audit.aggregate.BucketVerdict.TierFigures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides the status of each (topic, bucket) from a {@link TopicView}. Pure: no I/O, no clock; the same view
 * gives the same verdicts.
 *
 * <p>The rules:
 * <ol>
 *   <li>The tiers compared are those that reported anything for the topic, in flow order
 *       PRODUCER, LOG, SINK, WAREHOUSE. A tier absent for the topic (a real Kafka cluster has no log tier,
 *       a non-Java producer no producer tier) is not compared. A tier present for the topic but silent in a
 *       bucket counts 0 there.</li>
 *   <li>PENDING while any compared tier's event-time low watermark for the topic has not reached
 *       bucket end + allowed lateness, or the tier has published no progress at all. A stopped pipeline is
 *       therefore PENDING, never INCOMPLETE.</li>
 *   <li>Each tier is compared with the one above it. Upstream of the sink the count is what it accounted
 *       for (committed + dead-lettered + filtered); the warehouse is compared with the sink's committed count.</li>
 *   <li>Digests are compared where both sides have them: producer, log and sink over the raw key+value bytes
 *       (the sink's digest covers committed, dead-lettered and filtered records); sink and warehouse over the
 *       {@link io.sluice.audit.RowDigest}s of the committed rows, when both published one (else by count, and the
 *       verdict says so). A producer tier with any count-only instance (the plain interceptor) is compared by
 *       count only.</li>
 *   <li>Then: CORRUPT if some pair has equal counts and different digests, or the warehouse could not read a
 *       committed file holding rows of the bucket; else INCOMPLETE if a tier has fewer
 *       records than its upstream (missing = the losses summed, lost between = the first such pair); else
 *       DUPLICATED if a tier has more; else COMPLETE. The other figures are reported whatever the status.</li>
 *   <li>A tier with an instance that stopped without its last report (a producer that crashed) is missing what
 *       that instance counted since: the tier below having more is then not judged DUPLICATED; a note names the
 *       instance and the tier is reported incomplete.</li>
 * </ol>
 */
public final class CompletenessJudge {
    public static final Duration DEFAULT_LATENESS = Duration.ofHours(1);

    private final long latenessMillis;

    public CompletenessJudge(Duration allowedLateness) {
        if (allowedLateness.isNegative()) {
            throw new IllegalArgumentException("allowed lateness must not be negative, was " + allowedLateness);
        }
        this.latenessMillis = allowedLateness.toMillis();
    }

    public CompletenessJudge() {
        this(DEFAULT_LATENESS);
    }

    public Duration allowedLateness() {
        return Duration.ofMillis(latenessMillis);
    }

    /** Every bucket of the view, in time order. */
    public List<BucketVerdict> judge(TopicView view) {
        return judge(view, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** The buckets that start in [{@code from}, {@code to}), in time order. */
    public List<BucketVerdict> judge(TopicView view, long from, long to) {
        List<BucketVerdict> out = new ArrayList<>();
        for (long start : view.buckets().subMap(from, true, to, false).keySet()) {
            out.add(judge(view, start));
        }
        return out;
    }

    /** One bucket (a bucket nobody counted is judged too: every tier counts 0 there). */
    public BucketVerdict judge(TopicView view, long bucketStart) {
        String topic = view.topic();
        List<String> notes = new ArrayList<>();
        long width = view.bucketMillis().orElse(0);
        if (view.bucketWidths().size() > 1) {
            notes.add("tiers use different bucket widths " + view.bucketWidths() + " ms; judged with the widest");
        }
        long bucketEnd = bucketStart + width;
        List<Tier> compared = new ArrayList<>();
        for (Tier t : Tier.values()) {
            if (view.tiers().contains(t)) {
                compared.add(t);
            }
        }
        Map<Tier, TierBucket> here = view.buckets().getOrDefault(bucketStart, Map.of());
        Map<Tier, TierBucket> byTier = new EnumMap<>(Tier.class);
        Map<Tier, TierFigures> figures = new EnumMap<>(Tier.class);
        for (Tier t : compared) {
            TierBucket b = here.get(t);
            if (b == null) {
                b = new TierBucket(t, topic, bucketStart, Digest.EMPTY, 0, 0, new LatencyHistogram(),
                        view.tierDigests().getOrDefault(t, false), 0);
            }
            byTier.put(t, b);
            figures.put(t, new TierFigures(t, b.digest().count(), b.deadLettered(), b.filtered(), b.accountedFor(),
                    b.digests(), b.latency().percentile(0.50), b.latency().percentile(0.99), b.latency().max()));
        }

        boolean pending = false;
        long due = saturatedAdd(bucketEnd, latenessMillis);
        for (Tier t : compared) {
            Long watermark = view.watermarks().get(t);
            if (watermark == null) {
                pending = true;
                notes.add(t + " has published no progress for " + topic + " yet");
            } else if (watermark < due) {
                pending = true;
                notes.add(t + " has reached " + time(watermark) + ", not yet bucket end + lateness " + time(due));
            }
        }

        List<Comparison> comparisons = new ArrayList<>();
        long missing = 0;
        long duplicated = 0;
        Comparison lost = null;
        Comparison dup = null;
        boolean corrupt = false;
        for (int i = 1; i < compared.size(); i++) {
            TierBucket up = byTier.get(compared.get(i - 1));
            TierBucket down = byTier.get(compared.get(i));
            long upCount = up.countForDownstream();
            long downCount = down.countAgainstUpstream();
            boolean digestComparable = up.digests() && down.digests() && down.tier() != Tier.WAREHOUSE;
            boolean rowComparable = down.tier() == Tier.WAREHOUSE && up.rowDigest() != null && down.rowDigest() != null;
            if (down.tier() == Tier.WAREHOUSE && !rowComparable) {
                notes.add(up.tier() + "->WAREHOUSE compared by count only ("
                        + (up.rowDigest() == null ? up.tier() : Tier.WAREHOUSE) + " published no row digest)");
            } else if (down.tier() != Tier.WAREHOUSE && !digestComparable) {
                notes.add(up.tier() + "->" + down.tier() + " compared by count only ("
                        + (up.digests() ? down.tier() : up.tier()) + " has no digests)");
            }
            boolean differ = digestComparable ? !rawDigest(up).equals(rawDigest(down))
                    : rowComparable && !up.rowDigest().equals(down.rowDigest());
            Comparison c = new Comparison(up.tier(), down.tier(), upCount, downCount,
                    digestComparable ? Basis.COUNT_AND_DIGEST : rowComparable ? Basis.COUNT_AND_ROW_DIGEST
                            : Basis.COUNT_ONLY, differ);
            comparisons.add(c);
            if (down.unreadable() > 0) {
                // its rows here cannot all be read: whatever the counts say, the bucket's data is damaged
                corrupt = true;
                notes.add(down.tier() + " could not read " + down.unreadable() + " committed file"
                        + (down.unreadable() == 1 ? "" : "s") + " holding rows of this bucket");
            }
            List<String> gone = view.stoppedUnclean().getOrDefault(up.tier(), List.of());
            if (downCount < upCount) {
                missing += upCount - downCount;
                lost = lost == null ? c : lost;
            } else if (downCount > upCount && !gone.isEmpty()) {
                // not a duplicate that can be shown: the upstream tier is missing what its stopped instances
                // counted after their last report
                notes.add(up.tier() + " is incomplete: " + String.join(", ", gone) + " stopped without its last report, "
                        + "so " + down.tier() + "'s " + (downCount - upCount) + " more record(s) are not judged duplicates");
            } else if (downCount > upCount) {
                duplicated += downCount - upCount;
                dup = dup == null ? c : dup;
            } else if (differ) {
                corrupt = true;
            }
        }
        if (compared.size() == 1) {
            notes.add("only " + compared.get(0) + " reported for " + topic + ": nothing to compare");
        }

        BucketStatus status;
        if (pending) {
            status = BucketStatus.PENDING;
        } else if (corrupt) {
            status = BucketStatus.CORRUPT;
        } else if (missing > 0) {
            status = BucketStatus.INCOMPLETE;
        } else if (duplicated > 0) {
            status = BucketStatus.DUPLICATED;
        } else {
            status = BucketStatus.COMPLETE;
        }
        return new BucketVerdict(topic, bucketStart, bucketEnd, status, Collections.unmodifiableList(compared),
                Collections.unmodifiableMap(figures), Collections.unmodifiableList(comparisons), missing,
                Optional.ofNullable(lost), duplicated, Optional.ofNullable(dup), Collections.unmodifiableList(notes));
    }

    /**
     * The raw key+value digest a tier compares with its neighbours: its digest as is, except the sink's, whose
     * sum and xor cover committed, dead-lettered and filtered records and whose count is therefore what it
     * accounted for.
     */
    private static Digest rawDigest(TierBucket b) {
        return b.tier() == Tier.SINK ? new Digest(b.accountedFor(), b.digest().sum(), b.digest().xor()) : b.digest();
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static String time(long millis) {
        return millis == Long.MIN_VALUE ? "nothing" : millis == Long.MAX_VALUE ? "the end of time"
                : Instant.ofEpochMilli(millis).toString();
    }
}
