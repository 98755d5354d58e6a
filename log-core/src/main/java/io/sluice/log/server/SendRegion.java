package io.sluice.log.server;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * A Kafka {@link Send} (a serialized response, possibly holding segment-file regions) as a Netty
 * {@link FileRegion}. Netty's NIO transport hands {@link #transferTo} the socket itself, so the file
 * parts of a fetch response go from the page cache to the socket with {@code FileChannel.transferTo}
 * (sendfile) and are never copied into the JVM.
 */
final class SendRegion extends AbstractReferenceCounted implements FileRegion {
    private final Send send;
    private long transferred;

    SendRegion(Send send) {
        this.send = send;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return send.size();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long n = send.writeTo(new Channel(target));
        transferred += n;
        return n;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The segment files belong to the log; nothing to free here.
    }

    /** The socket as Kafka's TransferableChannel. */
    private record Channel(WritableByteChannel target) implements TransferableChannel {
        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, target);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (target instanceof GatheringByteChannel g) {
                return g.write(srcs, offset, length);
            }
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                int w = target.write(srcs[i]);
                n += w;
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }
}
