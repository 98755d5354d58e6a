package io.sluice.log.testing;

import io.sluice.log.testing.PowerLossFileIO.IoCall;
import io.sluice.log.testing.PowerLossModel.FileNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/** A real FileChannel (FileRecords needs one) delegating to the file system and reporting forces. */
final class PowerLossChannel extends FileChannel {
    private final PowerLossFileIO io;
    private final FileChannel delegate;
    private final FileNode node;
    private final Path openedAs;

    PowerLossChannel(PowerLossFileIO io, FileChannel delegate, FileNode node, Path openedAs) {
        this.io = io;
        this.delegate = delegate;
        this.node = node;
        this.openedAs = openedAs;
    }

    private <T> T call(IoCall<T> op) throws IOException {
        return io.channelCall(this, op, false);
    }

    private <T> T mutate(IoCall<T> op) throws IOException {
        return io.channelCall(this, op, true);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return call(() -> delegate.read(dst));
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return call(() -> delegate.read(dsts, offset, length));
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return call(() -> delegate.read(dst, position));
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return mutate(() -> delegate.write(src));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return mutate(() -> delegate.write(srcs, offset, length));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return mutate(() -> delegate.write(src, position));
    }

    @Override
    public long position() throws IOException {
        return call(delegate::position);
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        call(() -> delegate.position(newPosition));
        return this;
    }

    @Override
    public long size() throws IOException {
        return call(delegate::size);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        mutate(() -> delegate.truncate(size));
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        mutate(() -> {
            // No real fsync: durability is what the model says, and the tests stay fast.
            io.forced(node, delegate);
            return null;
        });
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return call(() -> delegate.transferTo(position, count, target));
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return mutate(() -> delegate.transferFrom(src, position, count));
    }

    @Override
    public MappedByteBuffer map(MapMode mapMode, long position, long size) {
        throw new UnsupportedOperationException("memory mapping bypasses the power-loss model");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return wrap(call(() -> delegate.lock(position, size, shared)));
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        FileLock l = call(() -> delegate.tryLock(position, size, shared));
        return l == null ? null : wrap(l);
    }

    private FileLock wrap(FileLock inner) {
        return new FileLock(this, inner.position(), inner.size(), inner.isShared()) {
            @Override
            public boolean isValid() {
                return inner.isValid();
            }

            @Override
            public void release() throws IOException {
                inner.release();
            }
        };
    }

    @Override
    protected void implCloseChannel() throws IOException {
        try {
            delegate.close();
        } finally {
            io.closed(this);
        }
    }

    @Override
    public String toString() {
        return "PowerLossChannel(" + openedAs + ")";
    }
}
