package io.sluice.sink.audit;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.Tier;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.AuditBucket;
import io.sluice.sink.JournalEntry.AuditState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * The sink tier's audit messages, built from journal entries. Each source partition of each table is one tier
 * instance, {@code sink/<table>/<topic>+<partition>}, whose sequence number is the journal's: the newest entry's
 * cumulative {@link AuditState} is the instance's whole count, so publishing it again (after a restart, or because
 * nobody knows whether the last publish arrived) changes nothing, and a commit whose entry was written but never
 * published is published by whoever reads the journal next.
 *
 * <p>In a sink bucket the digest's count is the rows committed and its sum and xor cover committed, dead-lettered
 * and filtered records (what the judge compares with the log); the row digest covers the committed rows as written
 * (what it compares with the warehouse). Progress: the highest offset committed and the highest log timestamp
 * accounted for, and when the journal was last seen at the log's end (then the partition no longer holds the sink's
 * watermark back).
 */
public final class SinkTier {
    private SinkTier() {}

    public static String instanceId(String table, TopicPartition tp) {
        return "sink/" + table + "/" + tp.topic() + "+" + tp.partition();
    }

    /** The buckets of {@code state} as the audit counts them. */
    public static List<BucketCounts> buckets(String topic, AuditState state, Predicate<AuditBucket> include) {
        List<BucketCounts> out = new ArrayList<>();
        int bins = new LatencyHistogram().counts().length;
        for (AuditBucket b : state.buckets()) {
            if (!include.test(b)) {
                continue;
            }
            long[] counts = new long[bins];
            b.latencyBins().forEach((i, n) -> counts[i] = n);
            out.add(new BucketCounts(topic, b.start(), new Digest(b.committed(), b.sum(), b.xor()), b.deadLettered(),
                    b.filtered(), LatencyHistogram.of(counts, b.latencyMax()),
                    new Digest(b.committed(), b.rowSum(), b.rowXor()), 0));
        }
        return out;
    }

    /**
     * The message of a journal head: the buckets {@code include} selects, with the head's progress and its
     * sequence number. Null when the entry predates the audit (it has no counts to publish).
     */
    public static AuditMessage message(String table, JournalEntry head, Predicate<AuditBucket> include, long sentAt) {
        return message(table, head, include, sentAt, AuditMessage.PartitionProgress.NEVER);
    }

    /**
     * As {@link #message(String, JournalEntry, Predicate, long)}, with the partition reported caught up as of
     * {@code caughtUpAt} (the journal had reached the log end offset read at that time), or not if it is
     * {@link AuditMessage.PartitionProgress#NEVER}. With an {@code include} that selects nothing it is a progress-only
     * message under the head's sequence: the ledger keeps the counts it has and raises the progress.
     */
    public static AuditMessage message(String table, JournalEntry head, Predicate<AuditBucket> include, long sentAt,
                                       long caughtUpAt) {
        AuditState state = head.audit();
        if (state == null) {
            return null;
        }
        TopicPartition tp = new TopicPartition(head.topic(), head.partition());
        return new AuditMessage(instanceId(table, tp), Tier.SINK, head.seq(), sentAt, state.bucketMillis(), false, true,
                buckets(head.topic(), state, include),
                List.of(new AuditMessage.PartitionProgress(tp, head.toOffset(), state.maxTimestamp(), caughtUpAt)));
    }

    /**
     * The message of a source partition that holds records but has committed nothing yet: no counts, and progress
     * at the beginning of time, so that the sink's low watermark for the topic holds every bucket PENDING until
     * the partition commits (a pipeline that has not started is lagging, not losing data). Sequence 0: the
     * partition's first entry supersedes it.
     */
    public static AuditMessage notStarted(String table, TopicPartition tp, long bucketMillis, long sentAt) {
        return new AuditMessage(instanceId(table, tp), Tier.SINK, 0, sentAt, bucketMillis, false, true, List.of(),
                List.of(new AuditMessage.PartitionProgress(tp, -1, Long.MIN_VALUE)));
    }
}
