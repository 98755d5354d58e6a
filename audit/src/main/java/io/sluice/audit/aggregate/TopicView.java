package io.sluice.audit.aggregate;

import io.sluice.audit.Tier;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An immutable copy of what the ledger knows about one topic, the input of {@link CompletenessJudge}.
 *
 * @param tiers        the tiers that have reported anything (counts or progress) for the topic
 * @param tierDigests  per tier present: true if every one of its instances for this topic computes digests
 * @param watermarks   per tier that reported progress: its event-time low watermark (min over the topic's
 *                     partitions of the highest timestamp handled, the highest over the tier's instances)
 * @param buckets      per bucket start, per tier present in that bucket, the merged counts
 * @param bucketWidths the bucket widths the instances use (more than one is a configuration error)
 * @param stoppedUnclean per tier, its instances for this topic that stopped without their last report (no
 *                     message marked last, and silent for longer than the ledger's silence limit while others
 *                     went on): what they counted after their last message is missing from that tier
 */
public record TopicView(String topic, Set<Tier> tiers, Map<Tier, Boolean> tierDigests, Map<Tier, Long> watermarks,
                        NavigableMap<Long, Map<Tier, TierBucket>> buckets, Set<Long> bucketWidths,
                        Map<Tier, List<String>> stoppedUnclean) {

    /** A view in which no instance stopped without its last report. */
    public TopicView(String topic, Set<Tier> tiers, Map<Tier, Boolean> tierDigests, Map<Tier, Long> watermarks,
                     NavigableMap<Long, Map<Tier, TierBucket>> buckets, Set<Long> bucketWidths) {
        this(topic, tiers, tierDigests, watermarks, buckets, bucketWidths, Map.of());
    }

    /** The widest bucket width in use (the one buckets end by), or empty if nothing was counted. */
    public OptionalLong bucketMillis() {
        return bucketWidths.stream().mapToLong(Long::longValue).max();
    }
}
