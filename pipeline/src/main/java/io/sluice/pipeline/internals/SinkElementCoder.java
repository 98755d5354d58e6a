package io.sluice.pipeline.internals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * {@link SinkElement}: one tag byte (0 row, 1 dead letter, 2 filtered), then the row ({@link SinkRecordCoder}),
 * the dead letter ({@link DeadLetterCoder}) or the filtered record's offset (varint). Deterministic.
 */
public final class SinkElementCoder extends CustomCoder<SinkElement> {
    private static final long serialVersionUID = 1L;
    private static final SinkElementCoder INSTANCE = new SinkElementCoder();
    private static final int ROW = 0;
    private static final int DEAD_LETTER = 1;
    private static final int FILTERED = 2;

    public static SinkElementCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(SinkElement e, OutputStream out) throws IOException {
        switch (e.kind()) {
            case ROW -> {
                out.write(ROW);
                SinkRecordCoder.of().encode(e.row(), out);
            }
            case DEAD_LETTER -> {
                out.write(DEAD_LETTER);
                DeadLetterCoder.of().encode(e.deadLetter(), out);
            }
            case FILTERED -> {
                out.write(FILTERED);
                VarInt.encode(e.offset(), out);
            }
        }
    }

    @Override
    public SinkElement decode(InputStream in) throws IOException {
        int tag = in.read();
        return switch (tag) {
            case ROW -> SinkElement.row(SinkRecordCoder.of().decode(in));
            case DEAD_LETTER -> SinkElement.deadLetter(DeadLetterCoder.of().decode(in));
            case FILTERED -> SinkElement.filtered(VarInt.decodeLong(in));
            case -1 -> throw new CoderException("stream ended before a sink element's tag");
            default -> throw new CoderException("unknown sink element tag " + tag + " (expected 0, 1 or 2)");
        };
    }

    @Override
    public void verifyDeterministic() {
        // tag + deterministic payload coders
    }
}
