package io.sluice.log.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.network.TransferableChannel;

/** A {@link TransferableChannel} over {@code /dev/null}: {@code transferFrom} is a FileChannel.transferTo. */
final class NullChannel implements TransferableChannel {
    private final FileChannel out;

    NullChannel(FileChannel out) {
        this.out = out;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
        return fileChannel.transferTo(position, count, out);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return out.write(srcs, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return out.write(srcs);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return out.write(src);
    }

    @Override
    public boolean isOpen() {
        return out.isOpen();
    }

    @Override
    public void close() {
    }
}
