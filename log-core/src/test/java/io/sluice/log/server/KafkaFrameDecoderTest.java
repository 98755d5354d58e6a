package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Length-prefixed framing: partial frames wait untouched, bad sizes are refused once. */
class KafkaFrameDecoderTest {
    static final int MAX = 1024;

    static ByteBuf frame(int size, int fill) {
        ByteBuf b = Unpooled.buffer(4 + size).writeInt(size);
        for (int i = 0; i < size; i++) {
            b.writeByte(fill);
        }
        return b;
    }

    /** A decoder whose connection may take {@code poolBytes} of request memory. */
    static KafkaFrameDecoder decoder(long poolBytes) {
        return new KafkaFrameDecoder(MAX, new ConnectionMemory(new RequestMemoryPool(poolBytes), poolBytes), 30_000);
    }

    static KafkaFrameDecoder decoder() {
        return decoder(1L << 30);
    }

    @Test
    void partialFrameWaitsWithItsBytesBuffered() {
        KafkaFrameDecoder decoder = decoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        ByteBuf whole = frame(10, 7);
        while (whole.readableBytes() > 1) {
            channel.writeInbound(whole.readRetainedSlice(1));
            assertThat((Object) channel.readInbound()).as("frame before the last byte").isNull();
            assertThat(decoder.bufferedBytes()).as("bytes buffered").isEqualTo(14 - whole.readableBytes());
        }
        channel.writeInbound(whole.readRetainedSlice(1));
        ByteBuf decoded = channel.readInbound();
        assertThat(decoded.readableBytes()).isEqualTo(10);
        decoded.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void emitsEveryCompleteFrameAndKeepsTheTrailingPartialOne() {
        KafkaFrameDecoder decoder = decoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.wrappedBuffer(frame(3, 1), frame(0, 0), frame(MAX, 2), frame(5, 3).slice(0, 6)));
        List<Integer> sizes = new ArrayList<>();
        for (ByteBuf f; (f = channel.readInbound()) != null; ) {
            sizes.add(f.readableBytes());
            f.release();
        }
        assertThat(sizes).as("frame sizes").containsExactly(3, 0, MAX);
        assertThat(decoder.bufferedBytes()).as("bytes left for the partial frame").isEqualTo(6);
        channel.finishAndReleaseAll();
    }

    @Test
    void refusesSizeOverTheMaximumOrNegativeAndDiscardsEverythingAfter() {
        for (int size : new int[] {MAX + 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            EmbeddedChannel channel = new EmbeddedChannel(decoder());
            assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(size).writeBytes(new byte[20])))
                    .as("decoding a size of %d", size).isInstanceOf(CorruptedFrameException.class)
                    .hasMessageContaining(String.valueOf(size));
            // later bytes, even a well-formed frame, are dropped without a second error
            channel.writeInbound(frame(3, 1));
            assertThat((Object) channel.readInbound()).as("frames decoded after refusing size %d", size).isNull();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aFrameThatDoesNotFitTheMemoryPoolPausesReadingUntilMemoryIsGivenBack() {
        RequestMemoryPool pool = new RequestMemoryPool(12);
        ConnectionMemory memory = new ConnectionMemory(pool, MAX);
        EmbeddedChannel channel = new EmbeddedChannel(new KafkaFrameDecoder(MAX, memory, 30_000));
        channel.writeInbound(Unpooled.wrappedBuffer(frame(8, 1), frame(8, 2)));
        ByteBuf first = channel.readInbound();
        assertThat(first.readableBytes()).isEqualTo(8);
        assertThat((Object) channel.readInbound()).as("the second frame, while the first holds 8 of 12 bytes").isNull();
        assertThat(channel.config().isAutoRead()).as("reading while memory is short").isFalse();
        assertThat(pool.used()).isEqualTo(8);

        memory.give(first.readableBytes()); // the handler handled the first request
        first.release();
        channel.runPendingTasks();
        ByteBuf second = channel.readInbound();
        assertThat(second).as("the second frame once memory came back").isNotNull();
        assertThat(second.getByte(0)).isEqualTo((byte) 2);
        assertThat(channel.config().isAutoRead()).isTrue();
        second.release();
        channel.close();
        assertThat(pool.used()).as("memory after the connection closed").isZero();
    }

    @Test
    void reassemblesAFrameFedOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(decoder());
        ByteBuf whole = frame(50, 9);
        while (whole.readableBytes() > 1) {
            channel.writeInbound(whole.readRetainedSlice(1));
            assertThat((Object) channel.readInbound()).as("frame before the last byte").isNull();
        }
        channel.writeInbound(whole.readRetainedSlice(1));
        ByteBuf decoded = channel.readInbound();
        assertThat(decoded.readableBytes()).as("size of the reassembled frame").isEqualTo(50);
        decoded.release();
        assertThat(channel.finish()).as("anything left in the channel").isFalse();
    }

    @Test
    void oversizedFrameRaisesOneDecoderExceptionInThePipeline() {
        EmbeddedChannel channel = new EmbeddedChannel(decoder());
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(MAX + 1)))
                .isInstanceOf(DecoderException.class);
        channel.writeInbound(frame(3, 1)); // no second exception
        assertThat((Object) channel.readInbound()).as("frame after the refused one").isNull();
    }
}
