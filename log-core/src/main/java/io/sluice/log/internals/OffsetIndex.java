package io.sluice.log.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offset to file position within one segment, kept in memory and persisted in the
 * segment's {@code .index} file.
 *
 * <pre>
 * entry (8 bytes, big-endian):
 *   +--------------------+--------------------+
 *   | relative offset i32 | position i32       |
 *   +--------------------+--------------------+
 * relative offset = base offset of a batch - base offset of the segment
 * </pre>
 *
 * Invariant: relative offsets and positions are strictly increasing. Not checksummed; a file that breaks
 * the invariant or points past the data file is rebuilt from the data on load.
 *
 * <p>Thread-safety: one writer (the partition's appender); any number of readers without locks. The
 * writer fills an entry before publishing the new size through a volatile write, and a grown array is
 * published before any entry beyond the old capacity, so a reader that reads {@code size} then
 * {@code entries} sees at least {@code size} valid entries.
 */
final class OffsetIndex implements AutoCloseable {
    static final int ENTRY_SIZE = 8;

    private final long baseOffset;
    private final int maxEntries;
    private final IndexFile file;
    private volatile long[] entries;
    private volatile int size;

    OffsetIndex(FileIO io, Path path, long baseOffset, int maxEntries) throws IOException {
        this.baseOffset = baseOffset;
        this.maxEntries = Math.max(1, maxEntries);
        this.file = new IndexFile(io, path, ENTRY_SIZE);
        this.entries = new long[16];
    }

    /**
     * Loads the entries from the file. Returns false, leaving the index empty, when the file is not a
     * whole number of entries or breaks the invariant; the caller then rebuilds it.
     */
    boolean load(int dataFileSize) throws IOException {
        ByteBuffer buf = file.readAll();
        if (buf.remaining() % ENTRY_SIZE != 0 || buf.remaining() / ENTRY_SIZE > maxEntries) {
            return false;
        }
        int n = buf.remaining() / ENTRY_SIZE;
        long[] loaded = new long[Math.max(16, n)];
        int lastRel = -1;
        int lastPos = -1;
        for (int i = 0; i < n; i++) {
            int rel = buf.getInt();
            int pos = buf.getInt();
            if (rel <= lastRel || pos <= lastPos || pos >= dataFileSize || rel < 0) {
                return false;
            }
            loaded[i] = pack(rel, pos);
            lastRel = rel;
            lastPos = pos;
        }
        entries = loaded;
        size = n;
        return true;
    }

    boolean isFull() {
        return size >= maxEntries;
    }

    int entries() {
        return size;
    }

    /** Adds an entry for the batch starting at {@code offset}, stored at {@code position}. */
    void append(long offset, int position) throws IOException {
        int n = size;
        int rel = relative(offset);
        if (n > 0 && (rel <= relOf(entries[n - 1]) || position <= posOf(entries[n - 1]))) {
            throw new IllegalStateException("offset index " + file.path() + ": entry (" + offset + ", " + position
                    + ") is not after the last entry (" + (baseOffset + relOf(entries[n - 1])) + ", "
                    + posOf(entries[n - 1]) + ")");
        }
        if (n == maxEntries) {
            throw new IllegalStateException("offset index " + file.path() + " is full (" + maxEntries + " entries)");
        }
        ByteBuffer e = ByteBuffer.allocate(ENTRY_SIZE).putInt(rel).putInt(position).flip();
        file.append(e);
        long[] arr = entries;
        if (n == arr.length) {
            long[] grown = java.util.Arrays.copyOf(arr, Math.min(maxEntries, arr.length * 2));
            entries = grown;
            arr = grown;
        }
        arr[n] = pack(rel, position);
        size = n + 1;
    }

    /**
     * The position of the last indexed batch whose base offset is at or below {@code offset}, or 0 (the
     * start of the segment). A scan from there finds the batch holding {@code offset}.
     */
    int lookup(long offset) {
        int n = size;
        long[] arr = entries;
        long rel = offset - baseOffset;
        if (n == 0 || rel < relOf(arr[0])) {
            return 0;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (relOf(arr[mid]) <= rel) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return posOf(arr[lo]);
    }

    /**
     * The position of the last indexed batch that starts at or before {@code position}, or 0. Every
     * entry is the start of a batch, so the bytes from any batch start up to the answer are whole batches.
     */
    int floorPosition(int position) {
        int n = size;
        long[] arr = entries;
        if (n == 0 || posOf(arr[0]) > position) {
            return 0;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (posOf(arr[mid]) <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return posOf(arr[lo]);
    }

    /** Drops every entry and truncates the file (before a rebuild). */
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

    private int relative(long offset) {
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit in segment " + baseOffset);
        }
        return (int) rel;
    }

    private static long pack(int rel, int pos) {
        return ((long) rel << 32) | (pos & 0xffffffffL);
    }

    private static int relOf(long e) {
        return (int) (e >>> 32);
    }

    private static int posOf(long e) {
        return (int) e;
    }
}
