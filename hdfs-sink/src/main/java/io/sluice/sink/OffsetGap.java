package io.sluice.sink;

import java.io.Serializable;

/**
 * Offsets of a source partition that the log no longer holds although the table never committed them, found while
 * reading: the reader's position fell out of the log's range (Kafka's OFFSET_OUT_OF_RANGE, with the consumer's
 * automatic reset turned off, so it is seen rather than skipped).
 *
 * <p>Holes that are normal in a log (records removed by compaction, transaction markers) are not gaps: a reader steps
 * over them without leaving the log's range, and the commit records them as holes.
 *
 * @param from   the first offset missing
 * @param to     the last offset missing
 * @param reason why they are missing
 */
public record OffsetGap(long from, long to, Reason reason) implements Serializable {
    public enum Reason {
        /** Retention (or a delete-records call) removed them from the start of the log before they were read. */
        RETENTION,
        /**
         * The log ends before them: the topic was deleted and recreated, or its log truncated. Never recorded; the
         * table stops, since records it already committed may no longer be what the log holds.
         */
        TRUNCATED
    }

    public OffsetGap {
        if (from > to || from < 0) {
            throw new IllegalArgumentException("offset gap " + from + ".." + to + " is empty or negative");
        }
        if (reason == null) {
            throw new IllegalArgumentException("offset gap " + from + ".." + to + " needs a reason");
        }
    }

    public long size() {
        return to - from + 1;
    }

    /** The part of this gap at or after {@code offset}; null if there is none. */
    public OffsetGap from(long offset) {
        return offset > to ? null : new OffsetGap(Math.max(from, offset), to, reason);
    }

    @Override
    public String toString() {
        return from + ".." + to + " (" + reason + ")";
    }
}
