package io.sluice.jobs.audit;

import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.audit.aggregate.TopicView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code sluice audit report} shows, independent of the format: per topic the tiers compared and the
 * verdict on every bucket in the range.
 *
 * @param from first bucket start included (Long.MIN_VALUE: no lower bound)
 * @param to   bucket starts before this are included (Long.MAX_VALUE: no upper bound)
 */
record AuditReport(long generatedAt, String auditTopic, Duration lateness, long from, long to,
                   List<TopicReport> topics) {

    /** One tier as compared for a topic. */
    record TierInfo(Tier tier, boolean digests, OptionalLong watermark) {}

    record TopicReport(String topic, long bucketMillis, List<TierInfo> tiers, List<String> instances,
                       List<BucketVerdict> buckets) {
        Map<BucketStatus, Integer> summary() {
            Map<BucketStatus, Integer> counts = new EnumMap<>(BucketStatus.class);
            for (BucketVerdict v : buckets) {
                counts.merge(v.status(), 1, Integer::sum);
            }
            return counts;
        }

        /** COMPLETE buckets over judged (not PENDING) buckets; NaN when none is judged yet. */
        double completeness() {
            Map<BucketStatus, Integer> s = summary();
            int judged = buckets.size() - s.getOrDefault(BucketStatus.PENDING, 0);
            return judged == 0 ? Double.NaN : (double) s.getOrDefault(BucketStatus.COMPLETE, 0) / judged;
        }

        /** Problem buckets (INCOMPLETE, DUPLICATED, CORRUPT) in time order. */
        List<BucketVerdict> problems() {
            return buckets.stream().filter(v -> v.status().isProblem()).toList();
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
