package io.sluice.log.testing;

import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real file system, except that while {@link #fill} is in force every write stores half of its bytes
 * and then fails with "No space left on device", as a write that runs into a full disk does, and new files
 * and directories cannot be created. {@link #free} gives the space back. For tests of what a full disk does
 * without filling the machine's disk (a real-disk test runs on a small filesystem of its own).
 */
public final class DiskFullFileIO extends DelegatingFileIO {
    private volatile boolean full;

    public DiskFullFileIO() {
        super(FileIO.real());
    }

    public void fill() {
        full = true;
    }

    public void free() {
        full = false;
    }

    boolean isFull() {
        return full;
    }

    static IOException noSpace() {
        return new IOException("No space left on device");
    }

    @Override
    public FileChannel openReadWrite(Path path, boolean create) throws IOException {
        if (full && create && !Files.exists(path)) {
            throw noSpace();
        }
        return new Channel(super.openReadWrite(path, create));
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        if (full && !Files.isDirectory(dir)) {
            throw noSpace();
        }
        super.createDirectories(dir);
    }

    /** A real FileChannel (FileRecords needs one) whose writes fail half way while the disk is full. */
    private final class Channel extends FileChannel {
        private final FileChannel delegate;

        Channel(FileChannel delegate) {
            this.delegate = delegate;
        }

        private int writeHalfThenFail(ByteBuffer src, long position) throws IOException {
            ByteBuffer half = src.duplicate();
            half.limit(half.position() + src.remaining() / 2);
            int n = position < 0 ? delegate.write(half) : delegate.write(half, position);
            src.position(src.position() + n);
            throw noSpace();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return full ? writeHalfThenFail(src, -1) : delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (full) {
                writeHalfThenFail(srcs[offset], -1);
            }
            return delegate.write(srcs, offset, length);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return full ? writeHalfThenFail(src, position) : delegate.write(src, position);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            delegate.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            if (full) {
                throw noSpace();
            }
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
