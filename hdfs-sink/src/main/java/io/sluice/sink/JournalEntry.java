package io.sluice.sink;

import java.util.List;

/**
 * One commit of one source partition into one table: the contiguous offset range it covers and every
 * file that holds records of that range, written as one atomic journal file. It is the commit point:
 * once it is durable the range is committed, whatever happened to the renames that follow, and the
 * next writer finishes them.
 *
 * <p>{@code nextOffset} and {@code maxEventTime} are cumulative (they hold for everything committed up
 * to and including this entry), so the newest entry alone says where the partition stands.
 *
 * <p>Invariant (version 2, checked when an entry is made): every offset of the range is accounted for, as a row, a
 * dead letter, a record filtered out, a hole (an offset the log did not hold when the range was read: compaction,
 * transaction markers) or a recorded gap (offsets the log had lost before they were read):
 * {@code records + deadLetters + filtered + holeOffsets + gapOffsets == toOffset - fromOffset + 1}.
 *
 * @param version             {@link #VERSION}; entries of version 1 (Sluice 0.1) are read with the fields below
 *                            that version 1 lacked set to "unknown"
 * @param seq                 the entry's number in this source partition's journal, from 1, without gaps
 * @param fromOffset          the first offset the range covers: the previous entry's {@code nextOffset}; for a source
 *                            partition's first entry, where the reader started
 * @param toOffset            the last offset the range covers
 * @param maxEventTime        the highest event time committed so far in this source partition, or -1 if none yet
 * @param placedMaxEventTime  the previous entry's {@code maxEventTime}: what this source partition has in place
 *                            while this entry's renames may still be running (partition closing reads it); -1 when
 *                            unknown (version 1) or none
 * @param audit               the audit counts of this source partition up to and including this entry (cumulative, so
 *                            the newest entry alone is what the sink tier publishes); null in entries written before
 *                            the audit
 * @param writer              who committed it; null in version 1
 * @param holeOffsets         how many offsets of the range the log did not hold; -1 when unknown (version 1)
 * @param holes               those offsets as ranges (at most {@link #MAX_HOLE_RANGES}; the count is exact)
 * @param gaps                offsets of the range the log had lost before they were read, recorded because the
 *                            table's gap policy says so ({@link OffsetGap.Reason#RETENTION} only)
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
        long placedMaxEventTime,
        long committedAt,
        List<CommittedFile> files,
        AuditState audit,
        Writer writer,
        long holeOffsets,
        List<OffsetRange> holes,
        List<OffsetGap> gaps) {

    public static final int VERSION = 2;
    /** Hole ranges an entry lists; a compacted topic can have one between every two records. */
    public static final int MAX_HOLE_RANGES = 1000;

    public JournalEntry {
        files = files == null ? List.of() : List.copyOf(files);
        holes = holes == null ? List.of() : List.copyOf(holes);
        gaps = gaps == null ? List.of() : List.copyOf(gaps);
        if (nextOffset != toOffset + 1) {
            throw new IllegalArgumentException("journal entry " + seq + " of " + topic + "-" + partition
                    + ": nextOffset " + nextOffset + " must follow toOffset " + toOffset);
        }
        if (version >= 2) {
            long accounted = records + deadLetters + filtered + holeOffsets + gapOffsets(gaps);
            if (accounted != toOffset - fromOffset + 1) {
                throw new IllegalArgumentException("journal entry " + seq + " of " + topic + "-" + partition
                        + " covers offsets " + fromOffset + ".." + toOffset + " (" + (toOffset - fromOffset + 1)
                        + ") but accounts for " + accounted + ": " + records + " rows, " + deadLetters
                        + " dead letters, " + filtered + " filtered, " + holeOffsets + " holes, " + gapOffsets(gaps)
                        + " in gaps");
            }
        }
    }

    /** A version-1 entry read from disk, with what version 1 did not record marked unknown. */
    public JournalEntry upgradedFromVersion1() {
        return new JournalEntry(1, table, topic, partition, seq, fromOffset, toOffset, nextOffset, records, deadLetters,
                filtered, bytes, maxEventTime, -1, committedAt, files, audit, null, -1, List.of(), List.of());
    }

    /** Offsets of the range recorded as lost in gaps. */
    public long gapOffsets() {
        return gapOffsets(gaps);
    }

    private static long gapOffsets(List<OffsetGap> gaps) {
        long n = 0;
        for (OffsetGap g : gaps) {
            n += g.size();
        }
        return n;
    }

    /** Whether {@code offset}, inside this entry's range, was a hole: the log did not hold it. */
    public boolean isHole(long offset) {
        for (OffsetRange h : holes) {
            if (h.contains(offset)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Who committed an entry: the pipeline run (and its name) and the writer of that run, one per source partition at
     * a time, with its epoch (writers of a source partition are ordered by it; a newer one fences the older).
     */
    public record Writer(String run, String pipeline, String id, long epoch) {}

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
     * @param lostInGaps    offsets recorded as lost in gaps (the log had deleted them before they were read): in no
     *                      bucket, since their timestamps are gone with them; the log tier counted them, so the judge
     *                      finds them missing between the log and the sink
     */
    public record AuditState(long bucketMillis, long maxTimestamp, long expiredBefore, long expired, long unattributed,
                             List<AuditBucket> buckets, long lostInGaps) {
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
