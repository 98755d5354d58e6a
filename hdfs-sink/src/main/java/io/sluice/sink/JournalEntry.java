package io.sluice.sink;

import java.util.List;

/**
 * One commit of one source partition into one table: the contiguous offset range it covers and every
 * file that holds records of that range, written as one atomic journal file. It is the commit point:
 * once it is durable the range is committed, whatever happened to the renames that follow, and the
 * next start finishes them.
 *
 * <p>{@code nextOffset} and {@code maxEventTime} are cumulative (they hold for everything committed up
 * to and including this entry), so the newest entry alone says where the partition stands.
 *
 * @param seq          the entry's number in this source partition's journal, from 1, without gaps
 * @param fromOffset   the first offset the range covers: the previous entry's {@code nextOffset}; for a source
 *                     partition's first entry, the lowest offset the committer knows the range covers (it is not
 *                     told where the caller started reading)
 * @param toOffset     the last offset the range covers; rows, dead letters and records filtered out or absent
 *                     from the log (compaction, control batches) all fall inside it
 * @param maxEventTime the highest event time committed so far in this source partition, or -1 if none yet
 * @param audit        the audit counts of this source partition up to and including this entry (cumulative, so the
 *                     newest entry alone is what the sink tier publishes); null in entries written before the audit
 */
public record JournalEntry(
        int version,
        String table,
        String topic,
        int partition,
        long seq,
        long fromOffset,
        long toOffset,
        long nextOffset,
        long records,
        long deadLetters,
        long filtered,
        long bytes,
        long maxEventTime,
        long committedAt,
        List<CommittedFile> files,
        AuditState audit) {

    public static final int VERSION = 1;

    public JournalEntry {
        files = List.copyOf(files);
        if (nextOffset != toOffset + 1) {
            throw new IllegalArgumentException("journal entry " + seq + " of " + topic + "-" + partition
                    + ": nextOffset " + nextOffset + " must follow toOffset " + toOffset);
        }
    }

    /**
     * The sink tier's audit counts of one source partition, cumulative over its whole journal. They are written in
     * the journal entry, the commit point, so they can never disagree with what is committed: a crash before the
     * entry loses the range and its counts together, and a replay of the range is dropped before it is counted.
     *
     * @param bucketMillis  the bucket width the counts are in
     * @param maxTimestamp  the highest log timestamp of a record accounted for (committed, dead-lettered or
     *                      filtered), or {@link Long#MIN_VALUE} if none
     * @param expiredBefore buckets starting before this were pruned (at most {@code MAX_BUCKETS} are kept, the
     *                      newest); {@link Long#MIN_VALUE} while none was
     * @param expired       records accounted for in pruned buckets after they were pruned (in no bucket)
     * @param unattributed  filtered records whose caller gave no timestamp (in no bucket)
     * @param buckets       in bucket order
     */
    public record AuditState(long bucketMillis, long maxTimestamp, long expiredBefore, long expired, long unattributed,
                             List<AuditBucket> buckets) {
        /** Buckets kept per source partition: two days of ten-minute buckets. */
        public static final int MAX_BUCKETS = 288;

        public AuditState {
            buckets = List.copyOf(buckets);
        }
    }

    /**
     * One bucket of {@link AuditState}.
     *
     * @param start        the bucket's start (by log timestamp)
     * @param committed    rows committed
     * @param sum          wrapping sum of the raw key+value digests of committed, dead-lettered and filtered records
     * @param xor          their xor
     * @param rowSum       wrapping sum of the {@link io.sluice.audit.RowDigest}s of the committed rows as written
     * @param rowXor       their xor
     * @param latencyBins  the committed rows' latency (commit time minus log timestamp): non-empty histogram bins
     */
    public record AuditBucket(long start, long committed, long deadLettered, long filtered, long sum, long xor,
                              long rowSum, long rowXor, java.util.Map<Integer, Long> latencyBins, long latencyMax) {
        public AuditBucket {
            latencyBins = java.util.Collections.unmodifiableSortedMap(
                    latencyBins == null ? new java.util.TreeMap<>() : new java.util.TreeMap<>(latencyBins));
        }
    }

    /**
     * One file of a commit.
     *
     * @param kind        {@code data} (under the table root), {@code dead-letter} (under the dead-letter root)
     *                    or {@code late-marker} (a note in a partition that changed after it was closed)
     * @param tmp         the temporary path, relative to the table root, the file was written at
     * @param path        where the file goes, relative to the root its kind names
     * @param partition   the partition directory the file is in, relative to that root
     */
    public record CommittedFile(String kind, String tmp, String path, String partition, long records, long bytes,
                                long firstOffset, long lastOffset, int schemaId) {
        public static final String DATA = "data";
        public static final String DEAD_LETTER = "dead-letter";
        public static final String LATE_MARKER = "late-marker";
    }
}
