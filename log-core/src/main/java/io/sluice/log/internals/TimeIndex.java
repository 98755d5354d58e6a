package io.sluice.log.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sparse time index of one segment, kept in memory and persisted in the segment's {@code .timeindex}.
 *
 * <pre>
 * entry (12 bytes, big-endian):
 *   +---------------------+---------------------+
 *   | max timestamp i64   | relative offset i32 |
 *   +---------------------+---------------------+
 * </pre>
 *
 * An entry (T, o) means: every record of the segment at or below offset o has a timestamp at or below
 * T. Timestamps are not monotonic in a log, so T is the running maximum; entries are strictly increasing
 * in both T and o. A lookup for "the first offset with timestamp at or after X" may start scanning just
 * after the last entry whose T is below X, because nothing at or before that entry can match.
 *
 * <p>The last entry's T is the segment's largest timestamp: the segment writes a closing entry when it
 * is rolled or closed. Not checksummed; rebuilt from the data when it fails the invariant.
 *
 * <p>Thread-safety: as {@link OffsetIndex}.
 */
final class TimeIndex implements AutoCloseable {
    static final int ENTRY_SIZE = 12;

    private final long baseOffset;
    private final int maxEntries;
    private final IndexFile file;
    /** Pairs: [2i] = max timestamp, [2i+1] = relative offset. */
    private volatile long[] entries;
    private volatile int size;

    TimeIndex(FileIO io, Path path, long baseOffset, int maxEntries) throws IOException {
        this.baseOffset = baseOffset;
        this.maxEntries = Math.max(2, maxEntries);
        this.file = new IndexFile(io, path, ENTRY_SIZE);
        this.entries = new long[32];
    }

    /** Loads from the file; false (index left empty) when the file breaks the invariant. */
    boolean load(long nextOffset) throws IOException {
        ByteBuffer buf = file.readAll();
        if (buf.remaining() % ENTRY_SIZE != 0 || buf.remaining() / ENTRY_SIZE > maxEntries) {
            return false;
        }
        int n = buf.remaining() / ENTRY_SIZE;
        long[] loaded = new long[Math.max(32, 2 * n)];
        long lastTs = Long.MIN_VALUE;
        long lastRel = -1;
        for (int i = 0; i < n; i++) {
            long ts = buf.getLong();
            int rel = buf.getInt();
            if (ts <= lastTs || rel <= lastRel || rel < 0 || baseOffset + rel >= nextOffset) {
                return false;
            }
            loaded[2 * i] = ts;
            loaded[2 * i + 1] = rel;
            lastTs = ts;
            lastRel = rel;
        }
        entries = loaded;
        size = n;
        return true;
    }

    /**
     * True once only the last slot is left: that slot is kept for the closing entry {@link LogSegment#seal}
     * writes, so that sealing a segment whose index filled up never overflows (as Kafka's TimeIndex does).
     */
    boolean isFull() {
        return size >= maxEntries - 1;
    }

    /** The largest timestamp indexed so far, or {@link Long#MIN_VALUE} when empty. */
    long lastTimestamp() {
        int n = size;
        return n == 0 ? Long.MIN_VALUE : entries[2 * (n - 1)];
    }

    /** Adds (maxTimestamp, offset) when maxTimestamp is larger than the last entry's; no-op otherwise. */
    void maybeAppend(long maxTimestamp, long offset) throws IOException {
        int n = size;
        if (n > 0 && maxTimestamp <= entries[2 * (n - 1)]) {
            return;
        }
        long rel = offset - baseOffset;
        if (n > 0 && rel <= entries[2 * n - 1]) {
            throw new IllegalStateException("time index " + file.path() + ": offset " + offset
                    + " not after the last entry's " + (baseOffset + entries[2 * n - 1]));
        }
        if (n == maxEntries) {
            throw new IllegalStateException("time index " + file.path() + " is full (" + maxEntries + " entries)");
        }
        file.append(ByteBuffer.allocate(ENTRY_SIZE).putLong(maxTimestamp).putInt((int) rel).flip());
        long[] arr = entries;
        if (2 * n + 1 >= arr.length) {
            long[] grown = Arrays.copyOf(arr, arr.length * 2);
            entries = grown;
            arr = grown;
        }
        arr[2 * n] = maxTimestamp;
        arr[2 * n + 1] = rel;
        size = n + 1;
    }

    /**
     * The offset from which a scan for the first record with timestamp at or after {@code target} may
     * start: one past the last entry whose timestamp is below the target, or the segment's base offset.
     */
    long scanStartFor(long target) {
        int n = size;
        long[] arr = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (arr[2 * mid] < target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + arr[2 * found + 1] + 1;
    }

    void reset() throws IOException {
        size = 0;
        file.truncateTo(0);
    }

    void flush() throws IOException {
        file.flush();
    }

    /** Writes buffered entries to the file without fsyncing it. */
    void writePending() throws IOException {
        file.writePending();
    }

    Path path() {
        return file.path();
    }

    void renameTo(Path target) throws IOException {
        file.renameTo(target);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    void closeAndDelete() throws IOException {
        file.closeAndDelete();
    }
}
