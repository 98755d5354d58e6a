package io.sluice.jobs.quickstart;

import io.sluice.audit.aggregate.AuditAggregator;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.jobs.audit.AuditMessageSender;
import io.sluice.jobs.audit.AuditReport;
import io.sluice.jobs.audit.HtmlReport;
import io.sluice.jobs.audit.JsonReport;
import io.sluice.jobs.audit.ReportFormat;
import io.sluice.jobs.audit.TableReport;
import io.sluice.pipeline.config.AuditSettings;
import io.sluice.sink.TableSpec;
import io.sluice.sink.audit.WarehouseVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * The audit at the end of the quickstart, once the producer, the log tier and the pipeline have published their
 * final counts: the warehouse tier (every committed file of the table re-read and recounted) is published too, then
 * the audit topic is read once and every bucket of the topic judged, as {@code sluice audit report} does, with the
 * table's allowed lateness.
 */
public final class QuickstartAudit {
    private static final Duration READ_PATIENCE = Duration.ofMinutes(1);

    private final AuditReport report;
    private final AuditReport.TopicReport topic;
    private Path html;
    private Path json;

    private QuickstartAudit(AuditReport report, AuditReport.TopicReport topic) {
        this.report = report;
        this.topic = topic;
    }

    /**
     * Recounts {@code table} and publishes the recount, then reads the audit topic and judges {@code topicName}.
     *
     * @throws IllegalStateException if the audit topic holds nothing about the topic (no tier published)
     */
    public static QuickstartAudit judge(AuditSettings audit, TableSpec table, Configuration hadoop, String topicName,
                                        Duration allowedLateness) {
        WarehouseVerifier.Result recount = WarehouseVerifier.open(table, hadoop).verify();
        AuditMessageSender.send(audit.bootstrapServers(), audit.topic(), recount.message(System.currentTimeMillis()));
        AuditReport report = AuditReport.read(AuditAggregator.Settings.of(audit.bootstrapServers())
                        .withAuditTopic(audit.topic()).withLateness(allowedLateness),
                null, List.of(topicName), Long.MIN_VALUE, Long.MAX_VALUE, READ_PATIENCE);
        AuditReport.TopicReport t = report.topics().stream().filter(r -> !r.tiers().isEmpty()).findFirst()
                .orElseThrow(() -> new IllegalStateException("the audit topic " + audit.topic() + " at "
                        + audit.bootstrapServers() + " holds no counts of " + topicName));
        return new QuickstartAudit(report, t);
    }

    /** No bucket INCOMPLETE, DUPLICATED or CORRUPT. */
    public boolean clean() {
        return topic.problems().isEmpty();
    }

    /** Writes the report as one self-contained HTML page and as JSON into {@code dir}. */
    public void writeReports(Path dir) throws IOException {
        Path h = dir.resolve("report.html");
        Path j = dir.resolve("report.json");
        report.writeTo(h, HtmlReport::write);
        report.writeTo(j, JsonReport::write);
        this.html = h;
        this.json = j;
    }

    /** The terminal table, why any bucket is still PENDING, and where the written reports are. */
    public void print(PrintWriter out) {
        out.println();
        out.println("Audit: every record counted at each tier, compared per time bucket (as sluice audit report prints it)");
        TableReport.write(report, out);
        List<BucketVerdict> pending = topic.buckets().stream().filter(v -> v.status() == BucketStatus.PENDING).toList();
        if (!pending.isEmpty()) {
            out.printf("  %d bucket%s PENDING (from %s): a bucket is judged once every tier has got past its end plus "
                            + "the allowed lateness (%s);%n  the tiers have got to %s.%n", pending.size(),
                    pending.size() == 1 ? "" : "s", ReportFormat.time(pending.get(0).bucketStart()),
                    ReportFormat.duration(report.lateness()), reached());
        }
        if (html != null) {
            out.println("  the report        " + html + "   (one self-contained page; JSON: " + json.getFileName() + ")");
        }
        out.flush();
    }

    private String reached() {
        return topic.tiers().stream().map(t -> t.tier() + " " + (t.watermark().isPresent()
                        ? ReportFormat.time(t.watermark().getAsLong()) : "nothing"))
                .collect(Collectors.joining(", "));
    }

    /** Fields of the quickstart's JSON line: buckets per status, the tiers compared, the HTML report's path. */
    public Map<String, Object> json() {
        Map<BucketStatus, Integer> counts = new EnumMap<>(BucketStatus.class);
        for (BucketStatus s : BucketStatus.values()) {
            counts.put(s, topic.summary().getOrDefault(s, 0));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("audit", counts);
        m.put("audit_tiers", topic.tiers().stream().map(t -> t.tier().name()).toList());
        if (html != null) {
            m.put("audit_report", html.toString());
        }
        return m;
    }
}
