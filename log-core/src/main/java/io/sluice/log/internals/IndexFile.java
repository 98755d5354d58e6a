package io.sluice.log.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The file behind a sparse index: fixed-size entries appended at the end. The index itself lives in
 * memory (see {@link OffsetIndex}, {@link TimeIndex}); this class only persists it, so that it can be
 * written through {@link FileIO} like every other file of the log.
 *
 * <p>Appended entries are gathered in a small buffer and written {@value #PENDING_ENTRIES} at a time (and
 * by {@link #flush}, {@link #truncateTo}, {@link #readAll} and {@link #close}) rather than one positional
 * write per entry: with batches above {@code index.interval.bytes} that write was a system call on every
 * append (about 7% of the appender's time in the log-core benchmark). Nothing durable changes: the file of
 * an active segment is never fsynced (it is rebuilt from the data after a crash), and a sealed segment's
 * {@link #flush} writes the buffered entries before it fsyncs.
 *
 * <p>Written by the segment's single writer; the methods that touch the buffer are synchronized because a
 * sealed segment's indexes are flushed by the flusher thread.
 */
final class IndexFile implements AutoCloseable {
    static final int PENDING_ENTRIES = 64;

    private final FileIO io;
    private final int entrySize;
    private Path path;
    private FileChannel channel;
    /** Bytes in the file, not counting {@link #pending}. */
    private long size;
    private boolean dirty;
    /** Entries appended but not written yet; allocated on the first append, released by {@link #flush}. */
    private ByteBuffer pending;

    IndexFile(FileIO io, Path path, int entrySize) throws IOException {
        this.io = io;
        this.path = path;
        this.entrySize = entrySize;
        this.channel = io.openReadWrite(path, true);
        this.size = channel.size();
    }

    Path path() {
        return path;
    }

    /** Every byte of the file; the caller validates it. */
    synchronized ByteBuffer readAll() throws IOException {
        writePending();
        if (size > Integer.MAX_VALUE) {
            throw new IOException("index file too large: " + path + " (" + size + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        long pos = 0;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return buf.flip();
    }

    synchronized void append(ByteBuffer entry) throws IOException {
        assert entry.remaining() == entrySize;
        if (pending == null) {
            pending = ByteBuffer.allocate(PENDING_ENTRIES * entrySize);
        } else if (pending.remaining() < entry.remaining()) {
            writePending();
        }
        pending.put(entry);
        dirty = true;
    }

    synchronized void writePending() throws IOException {
        if (pending == null || pending.position() == 0) {
            return;
        }
        pending.flip();
        long pos = size;
        try {
            while (pending.hasRemaining()) {
                pos += channel.write(pending, pos);
            }
        } finally {
            size = pos;
            pending.compact(); // a failed write keeps what was not written
        }
    }

    synchronized void truncateTo(long bytes) throws IOException {
        writePending();
        channel.truncate(bytes);
        size = bytes;
        dirty = true;
    }

    synchronized void flush() throws IOException {
        writePending();
        pending = null; // flushed when sealed: few or no appends follow
        if (dirty) {
            channel.force(true);
            dirty = false;
        }
    }

    void renameTo(Path target) throws IOException {
        io.move(path, target);
        path = target;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            writePending();
        } finally {
            channel.close();
        }
    }

    synchronized void closeAndDelete() throws IOException {
        pending = null;
        channel.close();
        io.deleteIfExists(path);
    }
}
