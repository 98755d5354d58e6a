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

    @Test
    void partialFrameWaitsWithTheReaderIndexUntouched() {
        KafkaFrameDecoder decoder = new KafkaFrameDecoder(MAX);
        ByteBuf whole = frame(10, 7);
        for (int available = 0; available < whole.readableBytes(); available++) {
            ByteBuf partial = whole.slice(0, available);
            List<Object> out = new ArrayList<>();
            decoder.decode(null, partial, out);
            assertThat(out).as("frames decoded from the first %d of 14 bytes", available).isEmpty();
            assertThat(partial.readerIndex()).as("reader index after %d of 14 bytes", available).isZero();
        }
    }

    @Test
    void emitsEveryCompleteFrameAndKeepsTheTrailingPartialOne() {
        KafkaFrameDecoder decoder = new KafkaFrameDecoder(MAX);
        ByteBuf in = Unpooled.wrappedBuffer(frame(3, 1), frame(0, 0), frame(MAX, 2), frame(5, 3).slice(0, 6));
        List<Object> out = new ArrayList<>();
        decoder.decode(null, in, out);
        assertThat(out).as("frames decoded").hasSize(3);
        assertThat(out).extracting(f -> ((ByteBuf) f).readableBytes()).as("frame sizes").containsExactly(3, 0, MAX);
        assertThat(in.readableBytes()).as("bytes left for the partial frame").isEqualTo(6);
        out.forEach(f -> ((ByteBuf) f).release());
    }

    @Test
    void refusesSizeOverTheMaximumOrNegativeAndDiscardsEverythingAfter() {
        for (int size : new int[] {MAX + 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            KafkaFrameDecoder decoder = new KafkaFrameDecoder(MAX);
            ByteBuf in = Unpooled.buffer().writeInt(size).writeBytes(new byte[20]);
            assertThatThrownBy(() -> decoder.decode(null, in, new ArrayList<>())).as("decoding a size of %d", size)
                    .isInstanceOf(CorruptedFrameException.class).hasMessageContaining(String.valueOf(size));
            assertThat(in.readableBytes()).as("bytes left after refusing size %d", size).isZero();
            // later bytes, even a well-formed frame, are dropped without a second error
            ByteBuf later = frame(3, 1);
            List<Object> out = new ArrayList<>();
            decoder.decode(null, later, out);
            assertThat(out).as("frames decoded after refusing size %d", size).isEmpty();
            assertThat(later.readableBytes()).as("later bytes left after refusing size %d", size).isZero();
        }
    }

    @Test
    void reassemblesAFrameFedOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new KafkaFrameDecoder(MAX));
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
        EmbeddedChannel channel = new EmbeddedChannel(new KafkaFrameDecoder(MAX));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(MAX + 1)))
                .isInstanceOf(DecoderException.class);
        channel.writeInbound(frame(3, 1)); // no second exception
        assertThat((Object) channel.readInbound()).as("frame after the refused one").isNull();
    }
}
