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
        List<CommittedFile> files) {

    public static final int VERSION = 1;

    public JournalEntry {
        files = List.copyOf(files);
        if (nextOffset != toOffset + 1) {
            throw new IllegalArgumentException("journal entry " + seq + " of " + topic + "-" + partition
                    + ": nextOffset " + nextOffset + " must follow toOffset " + toOffset);
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
