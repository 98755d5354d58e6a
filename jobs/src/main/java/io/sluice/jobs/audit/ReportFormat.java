package io.sluice.jobs.audit;

import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.BucketVerdict.TierFigures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Formatting shared by the report formats. */
public final class ReportFormat {
    private ReportFormat() {}

    /** An instant in ISO-8601 ({@code 2026-11-25T10:00:00Z}), "-" for an open end. */
    public static String time(long millis) {
        if (millis == Long.MIN_VALUE || millis == Long.MAX_VALUE) {
            return "-";
        }
        return Instant.ofEpochMilli(millis).toString();
    }

    /** A latency for people: 850ms, 12.3s, 4.2m, 1.5h. */
    static String latency(long millis) {
        if (millis < 1_000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1_000.0);
        }
        if (millis < 3_600_000) {
            return String.format(Locale.ROOT, "%.1fm", millis / 60_000.0);
        }
        return String.format(Locale.ROOT, "%.1fh", millis / 3_600_000.0);
    }

    /** A duration for people: 850ms, 30s, 10m, 1h, 1.5h. */
    public static String duration(Duration d) {
        return latency(d.toMillis()).replace(".0", "");
    }

    /** A tier's count as shown: the sink's dead-lettered and filtered records are added with a plus. */
    static String count(BucketVerdict v, Tier t) {
        TierFigures f = v.tiers().get(t);
        if (f == null) {
            return "-";
        }
        long other = f.deadLettered() + f.filtered();
        return other == 0 ? Long.toString(f.count()) : f.count() + "+" + other;
    }

    /** "LOG->SINK" for the first pair where records were lost (or duplicated, when nothing was lost). */
    static String where(BucketVerdict v) {
        return v.lostBetween().or(v::duplicatedBetween)
                .map(c -> c.upstream() + "->" + c.downstream())
                .orElseGet(() -> v.comparisons().stream().filter(BucketVerdict.Comparison::digestsDiffer)
                        .filter(c -> c.difference() == 0).findFirst()
                        .map(c -> c.upstream() + "->" + c.downstream()).orElse(""));
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    /**
     * The tiers that have a latency (tier time minus event time): all but the warehouse, which re-counts what is on
     * disk rather than handling records as they pass.
     */
    static List<Tier> timedTiers(List<Tier> tiers) {
        return tiers.stream().filter(t -> t != Tier.WAREHOUSE).toList();
    }
}
