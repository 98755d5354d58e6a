package io.sluice.jobs.audit;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditAggregator;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.AuditStore;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.audit.aggregate.TopicView;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/**
 * What {@code sluice audit report} shows, independent of the format ({@link TableReport}, {@link JsonReport},
 * {@link HtmlReport}): per topic the tiers compared and the verdict on every bucket in the range.
 *
 * <pre>
 *   AuditReport r = AuditReport.read(AuditAggregator.Settings.of("127.0.0.1:9092").withLateness(Duration.ofHours(1)),
 *           null, List.of("page_views"), Long.MIN_VALUE, Long.MAX_VALUE, Duration.ofMinutes(1));
 *   TableReport.write(r, out);
 *   r.writeTo(Path.of("audit.html"), HtmlReport::write);
 * </pre>
 *
 * @param from first bucket start included (Long.MIN_VALUE: no lower bound)
 * @param to   bucket starts before this are included (Long.MAX_VALUE: no upper bound)
 */
public record AuditReport(long generatedAt, String auditTopic, Duration lateness, long from, long to,
                   List<TopicReport> topics) {

    /** One tier as compared for a topic. */
    public record TierInfo(Tier tier, boolean digests, OptionalLong watermark) {}

    public record TopicReport(String topic, long bucketMillis, List<TierInfo> tiers, List<String> instances,
                              List<BucketVerdict> buckets) {
        /** How many buckets have each status (statuses no bucket has are left out). */
        public Map<BucketStatus, Integer> summary() {
            Map<BucketStatus, Integer> counts = new EnumMap<>(BucketStatus.class);
            for (BucketVerdict v : buckets) {
                counts.merge(v.status(), 1, Integer::sum);
            }
            return counts;
        }

        /** COMPLETE buckets over judged (not PENDING) buckets; NaN when none is judged yet. */
        public double completeness() {
            Map<BucketStatus, Integer> s = summary();
            int judged = buckets.size() - s.getOrDefault(BucketStatus.PENDING, 0);
            return judged == 0 ? Double.NaN : (double) s.getOrDefault(BucketStatus.COMPLETE, 0) / judged;
        }

        /** Problem buckets (INCOMPLETE, DUPLICATED, CORRUPT) in time order. */
        public List<BucketVerdict> problems() {
            return buckets.stream().filter(v -> v.status().isProblem()).toList();
        }
    }

    /**
     * One shot, as {@code sluice audit report}: reads the audit topic up to its end (resuming from, and updating,
     * {@code store} if not null), then judges the named topics (every audited topic when {@code topics} is empty)
     * with the settings' allowed lateness, for the buckets that start in [{@code from}, {@code to}).
     *
     * @throws UncheckedIOException if the audit topic cannot be read up to its end within {@code timeout}
     */
    public static AuditReport read(AuditAggregator.Settings settings, AuditStore store, Collection<String> topics,
                                   long from, long to, Duration timeout) {
        try (AuditAggregator aggregator = AuditAggregator.open(settings, store, new MetricRegistry())) {
            try {
                aggregator.catchUp(timeout);
            } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
                throw new UncheckedIOException("cannot read the audit topic " + settings.auditTopic() + " at "
                        + settings.bootstrapServers() + ": " + e.getMessage(), new IOException(e));
            }
            return of(aggregator.ledger(), new CompletenessJudge(settings.lateness()), settings.auditTopic(), topics,
                    from, to, System.currentTimeMillis());
        }
    }

    /** Writes this report to {@code file} in UTF-8 with {@code format} (such as {@code HtmlReport::write}). */
    public void writeTo(Path file, BiConsumer<AuditReport, PrintWriter> format) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (PrintWriter w = new PrintWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8))) {
            format.accept(this, w);
            if (w.checkError()) {
                throw new IOException("writing the audit report to " + file + " failed");
            }
        }
    }

    /** Judges the named topics (every topic the ledger knows when {@code topics} is empty). */
    static AuditReport of(AuditLedger ledger, CompletenessJudge judge, String auditTopic, Collection<String> topics,
                          long from, long to, long now) {
        List<TopicReport> out = new ArrayList<>();
        for (String topic : topics.isEmpty() ? ledger.topics() : topics) {
            TopicView view = ledger.view(topic);
            List<TierInfo> tiers = new ArrayList<>();
            for (Tier t : Tier.values()) {
                if (view.tiers().contains(t)) {
                    Long w = view.watermarks().get(t);
                    tiers.add(new TierInfo(t, view.tierDigests().get(t), w == null ? OptionalLong.empty() : OptionalLong.of(w)));
                }
            }
            out.add(new TopicReport(topic, view.bucketMillis().orElse(0), tiers, ledger.instancesOf(topic),
                    judge.judge(view, from, to)));
        }
        return new AuditReport(now, auditTopic, judge.allowedLateness(), from, to, out);
    }
}
