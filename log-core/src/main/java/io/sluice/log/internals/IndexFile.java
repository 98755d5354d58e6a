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
 * <p>Appended entries are buffered and written at {@link #flush} (when the segment is sealed or closed),
 * not one system call per entry on the append path: an index is derived data that recovery rebuilds
 * whenever it is missing or inconsistent.
 *
 * <p>Not thread-safe: owned by the segment's single writer.
 */
final class IndexFile implements AutoCloseable {
    private final FileIO io;
    private final int entrySize;
    private Path path;
    private FileChannel channel;
    /** Bytes on file; pending entries follow them. */
    private long size;
    private ByteBuffer pending = ByteBuffer.allocate(256);
    private boolean dirty;

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
    ByteBuffer readAll() throws IOException {
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

    void append(ByteBuffer entry) {
        assert entry.remaining() == entrySize;
        if (pending.remaining() < entrySize) {
            ByteBuffer grown = ByteBuffer.allocate(pending.capacity() * 2);
            grown.put(pending.flip());
            pending = grown;
        }
        pending.put(entry);
        dirty = true;
    }

    void truncateTo(long bytes) throws IOException {
        pending.clear();
        channel.truncate(bytes);
        size = bytes;
        dirty = true;
    }

    /** Writes the buffered entries and fsyncs the file. */
    void flush() throws IOException {
        writePending();
        if (dirty) {
            channel.force(true);
            dirty = false;
        }
    }

    /** Writes the buffered entries to the file without fsyncing it. */
    void writePending() throws IOException {
        if (pending.position() > 0) {
            ByteBuffer out = pending.flip();
            long pos = size;
            while (out.hasRemaining()) {
                pos += channel.write(out, pos);
            }
            size = pos;
            pending.clear();
        }
    }

    void renameTo(Path target) throws IOException {
        io.move(path, target);
        path = target;
    }

    /** Closes the file; entries not yet flushed are dropped (the index is rebuilt from the data). */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    void closeAndDelete() throws IOException {
        channel.close();
        io.deleteIfExists(path);
    }
}
