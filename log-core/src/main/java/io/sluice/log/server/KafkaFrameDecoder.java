package io.sluice.log.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Splits the byte stream into Kafka request frames: a 4-byte big-endian size, then that many bytes.
 * A partial frame waits for more bytes with the reader index untouched; a size that is negative or
 * above {@code socket.request.max.bytes} is refused with {@link CorruptedFrameException}, which closes
 * the connection (as Kafka does with InvalidReceiveException). Once a size has been refused the stream
 * has no frame boundaries left, so every later byte is discarded unread (no second error, no second
 * log line). Emits each frame as a retained slice. One instance per connection.
 */
final class KafkaFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;
    private boolean failed;

    KafkaFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size < 0 || size > maxFrameBytes) {
                in.skipBytes(in.readableBytes());
                failed = true;
                throw new CorruptedFrameException("request frame of " + size + " bytes is outside [0, "
                        + maxFrameBytes + "] (socket.request.max.bytes)");
            }
            if (in.readableBytes() < 4 + size) {
                return;
            }
            in.skipBytes(4);
            out.add(in.readRetainedSlice(size));
        }
    }
}
