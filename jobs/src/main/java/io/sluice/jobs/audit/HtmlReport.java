package io.sluice.jobs.audit;

import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One self-contained HTML page: inline CSS and inline SVG charts drawn here, no scripts, no fonts, no links
 * to anything outside the page. Per topic: the tiers compared, a chart of completeness per bucket (bar colour
 * = status), a chart of p99 latency per tier per bucket, the problem buckets, then every bucket.
 */
public final class HtmlReport {
    private static final int W = 760;
    private static final int H = 150;
    private static final int LEFT = 48;
    private static final int BOTTOM = 22;
    private static final Map<BucketStatus, String> COLOURS = Map.of(
            BucketStatus.COMPLETE, "#2e7d32", BucketStatus.PENDING, "#9e9e9e", BucketStatus.INCOMPLETE, "#c62828",
            BucketStatus.DUPLICATED, "#ef6c00", BucketStatus.CORRUPT, "#6a1b9a");
    private static final Map<Tier, String> TIER_COLOURS = Map.of(
            Tier.PRODUCER, "#1565c0", Tier.LOG, "#00838f", Tier.SINK, "#ef6c00", Tier.WAREHOUSE, "#6a1b9a");

    private HtmlReport() {}

    public static void write(AuditReport report, PrintWriter out) {
        out.println("<!DOCTYPE html>");
        out.println("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice audit report</title>");
        out.println("<style>");
        out.println("body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px;color:#222}"
                + "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}"
                + "h3{font-size:15px}table{border-collapse:collapse;font-size:13px;margin:8px 0}"
                + "th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f5f5f5}"
                + "td.l,th.l{text-align:left}.s{font-weight:600;color:#fff;border-radius:3px;padding:1px 6px}"
                + ".muted{color:#666;font-size:13px}svg{background:#fafafa;border:1px solid #eee}"
                + ".legend span{display:inline-block;margin-right:12px;font-size:12px}");
        for (Map.Entry<BucketStatus, String> e : COLOURS.entrySet()) {
            out.println(".s-" + e.getKey().name() + "{background:" + e.getValue() + "}");
        }
        out.println("</style></head><body>");
        out.println("<h1>Sluice audit report</h1>");
        out.println("<p class=\"muted\">Generated " + esc(ReportFormat.time(report.generatedAt())) + " from the audit topic "
                + esc(report.auditTopic()) + "; allowed lateness " + esc(ReportFormat.duration(report.lateness()))
                + (report.from() != Long.MIN_VALUE ? "; from " + esc(ReportFormat.time(report.from())) : "")
                + (report.to() != Long.MAX_VALUE ? "; to " + esc(ReportFormat.time(report.to())) : "") + ".</p>");
        if (report.topics().isEmpty()) {
            out.println("<p>No audited topics.</p>");
        }
        for (AuditReport.TopicReport t : report.topics()) {
            topic(t, out);
        }
        out.println("</body></html>");
        out.flush();
    }

    private static void topic(AuditReport.TopicReport t, PrintWriter out) {
        out.println("<h2>Topic " + esc(t.topic()) + "</h2>");
        out.println("<p>Tiers compared: " + esc(TableReport.tiers(t)) + ". Buckets of "
                + esc(ReportFormat.latency(t.bucketMillis()).replace(".0", "")) + ". Completeness of judged buckets: "
                + ReportFormat.percent(t.completeness()) + ".</p>");
        StringBuilder summary = new StringBuilder("<p>");
        t.summary().forEach((s, n) -> summary.append("<span class=\"s s-").append(s.name()).append("\">")
                .append(n).append(' ').append(s.name()).append("</span> "));
        out.println(summary.append("</p>"));
        out.println("<ul class=\"muted\">");
        for (AuditReport.TierInfo i : t.tiers()) {
            out.println("<li>" + i.tier() + ": " + (i.digests() ? "counts and digests" : "counts only")
                    + ", reached " + esc(i.watermark().isPresent() ? ReportFormat.time(i.watermark().getAsLong()) : "no progress reported")
                    + "</li>");
        }
        out.println("</ul>");
        if (!t.buckets().isEmpty()) {
            out.println("<h3>Completeness per bucket</h3>");
            completenessChart(t.buckets(), out);
            out.println("<h3>Latency per bucket (p99, tier time minus event time)</h3>");
            latencyChart(t, out);
        }
        List<BucketVerdict> problems = t.problems();
        out.println("<h3>Problem buckets (" + problems.size() + ")</h3>");
        if (problems.isEmpty()) {
            out.println("<p>None.</p>");
        } else {
            table(t, problems, true, out);
        }
        out.println("<h3>All buckets (" + t.buckets().size() + ")</h3>");
        table(t, t.buckets(), false, out);
        out.println("<details class=\"muted\"><summary>Instances (" + t.instances().size() + ")</summary><ul>");
        t.instances().forEach(i -> out.println("<li>" + esc(i) + "</li>"));
        out.println("</ul></details>");
    }

    private static void completenessChart(List<BucketVerdict> buckets, PrintWriter out) {
        int plotW = W - LEFT - 8;
        int plotH = H - BOTTOM - 8;
        double bw = (double) plotW / buckets.size();
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"completeness per bucket\">", W, H, W, H));
        axes(svg, plotH, "100%", "0%");
        for (int i = 0; i < buckets.size(); i++) {
            BucketVerdict v = buckets.get(i);
            double c = Math.max(0, Math.min(1, v.completeness()));
            double h = Math.max(2, c * plotH);
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s %s</title></rect>",
                    LEFT + i * bw + (bw > 3 ? 0.5 : 0), 8 + plotH - h, Math.max(1, bw - (bw > 3 ? 1 : 0)), h,
                    COLOURS.get(v.status()), esc(ReportFormat.time(v.bucketStart())), v.status(),
                    ReportFormat.percent(v.completeness())));
        }
        timeLabels(svg, buckets);
        out.println(svg.append("</svg>"));
        StringBuilder legend = new StringBuilder("<div class=\"legend\">");
        for (BucketStatus s : BucketStatus.values()) {
            legend.append("<span><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"")
                    .append(COLOURS.get(s)).append("\"/></svg> ").append(s.name()).append("</span>");
        }
        out.println(legend.append("</div>"));
    }

    private static void latencyChart(AuditReport.TopicReport t, PrintWriter out) {
        List<BucketVerdict> buckets = t.buckets();
        long max = 1;
        for (BucketVerdict v : buckets) {
            for (BucketVerdict.TierFigures f : v.tiers().values()) {
                max = Math.max(max, f.latencyP99());
            }
        }
        int plotW = W - LEFT - 8;
        int plotH = H - BOTTOM - 8;
        double step = buckets.size() == 1 ? 0 : (double) plotW / (buckets.size() - 1);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"p99 latency per bucket\">", W, H, W, H));
        axes(svg, plotH, ReportFormat.latency(max), "0");
        StringBuilder legend = new StringBuilder("<div class=\"legend\">");
        for (AuditReport.TierInfo tier : t.tiers()) {
            if (tier.tier() == Tier.WAREHOUSE) {
                continue; // a re-count, not a step records pass through: it has no latency
            }
            String colour = TIER_COLOURS.get(tier.tier());
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < buckets.size(); i++) {
                BucketVerdict.TierFigures f = buckets.get(i).tiers().get(tier.tier());
                double x = LEFT + (buckets.size() == 1 ? plotW / 2.0 : i * step);
                double y = 8 + plotH - (double) f.latencyP99() / max * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"><title>%s %s p99 %s</title></circle>",
                        x, y, colour, tier.tier(), esc(ReportFormat.time(buckets.get(i).bucketStart())),
                        ReportFormat.latency(f.latencyP99())));
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(colour).append("\" points=\"")
                    .append(points.toString().trim()).append("\"/>");
            legend.append("<span><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"")
                    .append(colour).append("\"/></svg> ").append(tier.tier()).append("</span>");
        }
        timeLabels(svg, buckets);
        out.println(svg.append("</svg>"));
        out.println(legend.append("</div>"));
    }

    private static void axes(StringBuilder svg, int plotH, String top, String bottom) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"8\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", LEFT, LEFT, 8 + plotH));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>",
                LEFT, 8 + plotH, W - 8, 8 + plotH));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                LEFT - 4, esc(top)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                LEFT - 4, 8 + plotH, esc(bottom)));
    }

    private static void timeLabels(StringBuilder svg, List<BucketVerdict> buckets) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>", LEFT, H - 6,
                esc(ReportFormat.time(buckets.get(0).bucketStart()))));
        if (buckets.size() > 1) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                    W - 8, H - 6, esc(ReportFormat.time(buckets.get(buckets.size() - 1).bucketStart()))));
        }
    }

    private static void table(AuditReport.TopicReport t, List<BucketVerdict> rows, boolean withNotes, PrintWriter out) {
        List<Tier> tiers = t.tiers().stream().map(AuditReport.TierInfo::tier).toList();
        StringBuilder h = new StringBuilder("<table><tr><th class=\"l\">Bucket start</th><th class=\"l\">Status</th>");
        tiers.forEach(x -> h.append("<th>").append(x).append("</th>"));
        h.append("<th>Missing</th><th>Duplicated</th><th class=\"l\">Where</th>");
        List<Tier> timed = ReportFormat.timedTiers(tiers);
        timed.forEach(x -> h.append("<th>p99 ").append(x).append("</th>"));
        if (withNotes) {
            h.append("<th class=\"l\">Notes</th>");
        }
        out.println(h.append("</tr>"));
        for (BucketVerdict v : rows) {
            StringBuilder r = new StringBuilder("<tr><td class=\"l\">").append(esc(ReportFormat.time(v.bucketStart())))
                    .append("</td><td class=\"l\"><span class=\"s s-").append(v.status().name()).append("\">")
                    .append(v.status()).append("</span></td>");
            tiers.forEach(x -> r.append("<td>").append(ReportFormat.count(v, x)).append("</td>"));
            r.append("<td>").append(v.missing() == 0 ? "" : v.missing()).append("</td><td>")
                    .append(v.duplicated() == 0 ? "" : v.duplicated()).append("</td><td class=\"l\">")
                    .append(esc(ReportFormat.where(v))).append("</td>");
            timed.forEach(x -> r.append("<td>").append(ReportFormat.latency(v.tiers().get(x).latencyP99())).append("</td>"));
            if (withNotes) {
                r.append("<td class=\"l\">").append(esc(String.join("; ", v.notes()))).append("</td>");
            }
            out.println(r.append("</tr>"));
        }
        out.println("</table>");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
