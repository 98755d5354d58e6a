package io.sluice.jobs.audit;

import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketVerdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The terminal table: per topic a header, then one line per bucket in time order with its status. */
public final class TableReport {
    private TableReport() {}

    public static void write(AuditReport report, PrintWriter out) {
        if (report.topics().isEmpty()) {
            out.println("No audited topics in " + report.auditTopic() + " (is any tier publishing audit counts?)");
        }
        for (AuditReport.TopicReport t : report.topics()) {
            out.println("Topic " + t.topic() + ": tiers compared " + tiers(t) + "; buckets of "
                    + ReportFormat.latency(t.bucketMillis()).replace(".0", "") + ", lateness "
                    + ReportFormat.duration(report.lateness()));
            out.println("  " + t.buckets().size() + " buckets: " + t.summary().entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))
                    + "; completeness of judged buckets " + ReportFormat.percent(t.completeness()));
            List<Tier> tiers = t.tiers().stream().map(AuditReport.TierInfo::tier).toList();
            List<String> header = new ArrayList<>(List.of("BUCKET START", "STATUS"));
            tiers.forEach(x -> header.add(x.name()));
            header.addAll(List.of("MISSING", "DUP", "WHERE"));
            List<Tier> timed = ReportFormat.timedTiers(tiers);
            timed.forEach(x -> header.add("P99 " + x.name()));
            List<List<String>> rows = new ArrayList<>();
            rows.add(header);
            for (BucketVerdict v : t.buckets()) {
                List<String> row = new ArrayList<>(List.of(ReportFormat.time(v.bucketStart()), v.status().name()));
                tiers.forEach(x -> row.add(ReportFormat.count(v, x)));
                row.add(v.missing() == 0 ? "" : Long.toString(v.missing()));
                row.add(v.duplicated() == 0 ? "" : Long.toString(v.duplicated()));
                row.add(ReportFormat.where(v));
                timed.forEach(x -> row.add(ReportFormat.latency(v.tiers().get(x).latencyP99())));
                rows.add(row);
            }
            printAligned(rows, 2 + tiers.size() + 2, out);
            if (tiers.contains(Tier.SINK)) {
                out.println("  SINK: committed, +dead-lettered and filtered");
            }
            out.println();
        }
        out.flush();
    }

    /**
     * The tiers, each marked "(count only)" where it is compared without digests: a tier without digests of its own,
     * or the warehouse where some bucket's comparison with the sink had no row digest on one side.
     */
    static String tiers(AuditReport.TopicReport t) {
        return t.tiers().stream().map(i -> i.tier() + (countOnly(t, i) ? " (count only)" : ""))
                .collect(Collectors.joining(", "));
    }

    private static boolean countOnly(AuditReport.TopicReport t, AuditReport.TierInfo i) {
        if (i.tier() != Tier.WAREHOUSE) {
            return !i.digests();
        }
        return t.buckets().stream().flatMap(v -> v.comparisons().stream())
                .anyMatch(c -> c.downstream() == Tier.WAREHOUSE && c.basis() == BucketVerdict.Basis.COUNT_ONLY);
    }

    /** Left-aligns the time, the status and column {@code textColumn} (WHERE); numbers are right-aligned. */
    private static void printAligned(List<List<String>> rows, int textColumn, PrintWriter out) {
        int cols = rows.get(0).size();
        int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                boolean number = i >= 2 && i != textColumn;
                String cell = r.get(i);
                String pad = " ".repeat(width[i] - cell.length());
                line.append(number ? pad + cell : cell + pad);
                if (i < cols - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
