package io.sluice.jobs.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.audit.aggregate.BucketVerdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The report for machines: one JSON document, times both as epoch milliseconds and ISO-8601. */
public final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    static ObjectNode tree(AuditReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("generated_at", ReportFormat.time(report.generatedAt()));
        root.put("audit_topic", report.auditTopic());
        root.put("lateness_ms", report.lateness().toMillis());
        if (report.from() != Long.MIN_VALUE) {
            root.put("from_ms", report.from());
        }
        if (report.to() != Long.MAX_VALUE) {
            root.put("to_ms", report.to());
        }
        ArrayNode topics = root.putArray("topics");
        for (AuditReport.TopicReport t : report.topics()) {
            ObjectNode tn = topics.addObject();
            tn.put("topic", t.topic());
            tn.put("bucket_ms", t.bucketMillis());
            ArrayNode tiers = tn.putArray("tiers_compared");
            for (AuditReport.TierInfo i : t.tiers()) {
                ObjectNode n = tiers.addObject();
                n.put("tier", i.tier().name());
                n.put("digests", i.digests());
                if (i.watermark().isPresent()) {
                    n.put("watermark_ms", i.watermark().getAsLong());
                    n.put("watermark", ReportFormat.time(i.watermark().getAsLong()));
                } else {
                    n.putNull("watermark_ms");
                }
            }
            ArrayNode instances = tn.putArray("instances");
            t.instances().forEach(instances::add);
            ObjectNode summary = tn.putObject("summary");
            t.summary().forEach((s, n) -> summary.put(s.name(), n));
            if (Double.isNaN(t.completeness())) {
                tn.putNull("completeness");
            } else {
                tn.put("completeness", t.completeness());
            }
            ArrayNode buckets = tn.putArray("buckets");
            for (BucketVerdict v : t.buckets()) {
                buckets.add(bucket(v));
            }
        }
        return root;
    }

    private static ObjectNode bucket(BucketVerdict v) {
        ObjectNode b = MAPPER.createObjectNode();
        b.put("start", ReportFormat.time(v.bucketStart()));
        b.put("start_ms", v.bucketStart());
        b.put("end_ms", v.bucketEnd());
        b.put("status", v.status().name());
        b.put("completeness", v.completeness());
        b.put("missing", v.missing());
        pair(b, "lost_between", v.lostBetween());
        b.put("duplicated", v.duplicated());
        pair(b, "duplicated_between", v.duplicatedBetween());
        ObjectNode tiers = b.putObject("tiers");
        v.tiers().forEach((tier, f) -> {
            ObjectNode n = tiers.putObject(tier.name());
            n.put("count", f.count());
            n.put("dead_lettered", f.deadLettered());
            n.put("filtered", f.filtered());
            n.put("accounted_for", f.accountedFor());
            n.put("digests", f.digests());
            ObjectNode l = n.putObject("latency_ms");
            l.put("p50", f.latencyP50());
            l.put("p99", f.latencyP99());
            l.put("max", f.latencyMax());
        });
        ArrayNode comparisons = b.putArray("comparisons");
        for (BucketVerdict.Comparison c : v.comparisons()) {
            ObjectNode n = comparisons.addObject();
            n.put("upstream", c.upstream().name());
            n.put("downstream", c.downstream().name());
            n.put("upstream_count", c.upstreamCount());
            n.put("downstream_count", c.downstreamCount());
            n.put("basis", c.basis().name());
            n.put("digests_differ", c.digestsDiffer());
        }
        ArrayNode notes = b.putArray("notes");
        v.notes().forEach(notes::add);
        return b;
    }

    private static void pair(ObjectNode b, String field, Optional<BucketVerdict.Comparison> c) {
        if (c.isEmpty()) {
            b.putNull(field);
        } else {
            ObjectNode n = b.putObject(field);
            n.put("upstream", c.get().upstream().name());
            n.put("downstream", c.get().downstream().name());
        }
    }

    public static void write(AuditReport report, PrintWriter out) {
        try {
            out.println(MAPPER.writeValueAsString(tree(report)));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
