package io.sluice.log.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the byte stream into Kafka request frames: a 4-byte big-endian size, then that many bytes.
 * A size that is negative or above {@code socket.request.max.bytes} is refused with
 * {@link CorruptedFrameException}, which closes the connection (as Kafka does with InvalidReceiveException).
 * Once a size has been refused the stream has no frame boundaries left, so every later byte is discarded
 * unread (no second error, no second log line). Emits each frame as a retained slice. One instance per
 * connection.
 *
 * <p>Bounded memory: as soon as a frame's size is known, the frame's bytes are taken from the connection's
 * {@link ConnectionMemory} (and so from the server's {@link RequestMemoryPool}); until they can be, the
 * connection is not read (Kafka mutes the channel the same way). The handler gives them back once the
 * request is handled. A frame must arrive whole within {@code request.receive.timeout.ms} of its first
 * bytes, or the connection is closed: a client that trickles a request holds its memory no longer.
 */
final class KafkaFrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaFrameDecoder.class);

    private final int maxFrameBytes;
    private final ConnectionMemory memory;
    private final long receiveTimeoutMs;
    private ReadGate gate;
    private boolean failed;
    /** The size of the frame being received, whose bytes are taken; -1 when none is. */
    private int reserved = -1;
    private ScheduledFuture<?> deadline;
    private long frames; // frames emitted: tells the deadline whether its frame is still the one arriving

    KafkaFrameDecoder(int maxFrameBytes, ConnectionMemory memory, long receiveTimeoutMs) {
        this.maxFrameBytes = maxFrameBytes;
        this.memory = memory;
        this.receiveTimeoutMs = receiveTimeoutMs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        gate = ReadGate.of(ctx.channel());
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
            if (reserved < 0) {
                if (!memory.tryTake(size, () -> retryOnEventLoop(ctx))) {
                    gate.set(ReadGate.Reason.MEMORY, true);
                    return;
                }
                gate.set(ReadGate.Reason.MEMORY, false);
                reserved = size;
            }
            if (in.readableBytes() < 4 + size) {
                startDeadline(ctx, size);
                return;
            }
            in.skipBytes(4);
            out.add(in.readRetainedSlice(size)); // the handler gives its bytes back once it is handled
            reserved = -1;
            frames++;
            cancelDeadline();
        }
    }

    /** Memory was released somewhere: decode what is already buffered (reading resumes once it fits). */
    private void retryOnEventLoop(ChannelHandlerContext ctx) {
        try {
            ctx.executor().execute(() -> {
                if (ctx.channel().isActive() && gate.isPaused(ReadGate.Reason.MEMORY)) {
                    // through the pipeline's head, so that this decoder runs on its buffered bytes
                    ctx.channel().pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
                    ctx.channel().pipeline().fireChannelReadComplete();
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: the connection goes with the event loop
        }
    }

    private void startDeadline(ChannelHandlerContext ctx, int size) {
        if (deadline != null) {
            return;
        }
        long frame = frames;
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (frames == frame && ctx.channel().isActive() && !failed) {
                failed = true;
                LOG.warn("Closing connection from {}: a request of {} bytes did not arrive within {} ms "
                        + "(request.receive.timeout.ms)", ctx.channel().remoteAddress(), size, receiveTimeoutMs);
                ctx.close();
            }
        }, receiveTimeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Bytes received and not emitted yet (a partial frame). */
    int bufferedBytes() {
        return internalBuffer().readableBytes();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
        memory.close(); // a frame half received, and frames the handler had not given back
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        memory.close();
        super.channelInactive(ctx);
    }
}
