package io.sluice.pipeline.internals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.OffsetGap;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * {@link SinkElement}: one tag byte (0 row, 1 dead letter, 3 filtered), then the row ({@link SinkRecordCoder}),
 * the dead letter ({@link DeadLetterCoder}) or the filtered record's offset (varint), log timestamp and digest
 * (8 bytes each, big-endian). Tag 2, a filtered record's offset alone, is what state written before the audit holds;
 * it is still read. An element that covers offsets before its own (a hole the reader stepped over) is tag 4, the
 * number of offsets before its own it covers (varint), then the element as above; a gap is tag 5, its first and last
 * offset (varints) and its reason (one byte, the enum's ordinal); tag 6 before any of these marks the first element
 * read since an assignment or a seek. Deterministic.
 */
public final class SinkElementCoder extends CustomCoder<SinkElement> {
    private static final long serialVersionUID = 1L;
    private static final SinkElementCoder INSTANCE = new SinkElementCoder();
    private static final int ROW = 0;
    private static final int DEAD_LETTER = 1;
    private static final int FILTERED_OFFSET_ONLY = 2;
    private static final int FILTERED = 3;
    private static final int COVERING = 4;
    private static final int GAP = 5;
    private static final int READ_START = 6;

    public static SinkElementCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(SinkElement e, OutputStream out) throws IOException {
        if (e.startsRead()) {
            out.write(READ_START);
        }
        if (e.kind() == SinkElement.Kind.GAP) {
            out.write(GAP);
            VarInt.encode(e.gapRange().from(), out);
            VarInt.encode(e.gapRange().to(), out);
            out.write(e.gapRange().reason().ordinal());
            return;
        }
        if (e.coversFrom() < e.offset()) {
            out.write(COVERING);
            VarInt.encode(e.offset() - e.coversFrom(), out);
        }
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
                BigEndianLongCoder.of().encode(e.filtered().timestamp(), out);
                BigEndianLongCoder.of().encode(e.filtered().digest(), out);
            }
            case GAP -> throw new IllegalStateException("unreachable");
        }
    }

    @Override
    public SinkElement decode(InputStream in) throws IOException {
        int tag = in.read();
        if (tag == READ_START) {
            return decode(in).startingRead();
        }
        if (tag == COVERING) {
            long before = VarInt.decodeLong(in);
            SinkElement e = decode(in);
            return e.coveringFrom(e.offset() - before);
        }
        if (tag == GAP) {
            long from = VarInt.decodeLong(in);
            long to = VarInt.decodeLong(in);
            int reason = in.read();
            if (reason < 0 || reason >= OffsetGap.Reason.values().length) {
                throw new CoderException("unknown gap reason " + reason);
            }
            return SinkElement.gap(new OffsetGap(from, to, OffsetGap.Reason.values()[reason]));
        }
        return switch (tag) {
            case ROW -> SinkElement.row(SinkRecordCoder.of().decode(in));
            case DEAD_LETTER -> SinkElement.deadLetter(DeadLetterCoder.of().decode(in));
            case FILTERED_OFFSET_ONLY -> SinkElement.filtered(VarInt.decodeLong(in));
            case FILTERED -> SinkElement.filtered(new FilteredRecord(VarInt.decodeLong(in),
                    BigEndianLongCoder.of().decode(in), BigEndianLongCoder.of().decode(in)));
            case -1 -> throw new CoderException("stream ended before a sink element's tag");
            default -> throw new CoderException("unknown sink element tag " + tag + " (expected 0 to 6)");
        };
    }

    @Override
    public void verifyDeterministic() {
        // tag + deterministic payload coders
    }
}
