package io.sluice.pipeline.internals;

import io.sluice.sink.DeadLetter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * {@link DeadLetter} in Beam state and between steps: topic, partition, offset, timestamp, rawKey, rawValue,
 * reason, errorClass (strings and arrays as {@link Bytes}). Deterministic.
 */
public final class DeadLetterCoder extends CustomCoder<DeadLetter> {
    private static final long serialVersionUID = 1L;
    private static final DeadLetterCoder INSTANCE = new DeadLetterCoder();

    public static DeadLetterCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(DeadLetter d, OutputStream out) throws IOException {
        Bytes.writeString(d.topic(), out);
        VarInt.encode(d.partition(), out);
        VarInt.encode(d.offset(), out);
        VarInt.encode(d.timestamp(), out);
        Bytes.writeNullable(d.rawKey(), out);
        Bytes.writeNullable(d.rawValue(), out);
        Bytes.writeString(d.reason(), out);
        Bytes.writeString(d.errorClass(), out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
        String topic = Bytes.readString(in);
        int partition = VarInt.decodeInt(in);
        long offset = VarInt.decodeLong(in);
        long timestamp = VarInt.decodeLong(in);
        byte[] key = Bytes.readNullable(in);
        byte[] value = Bytes.readNullable(in);
        String reason = Bytes.readString(in);
        String errorClass = Bytes.readString(in);
        return new DeadLetter(topic, partition, offset, timestamp, key, value, reason, errorClass);
    }

    @Override
    public void verifyDeterministic() {
        // fixed field order, fixed-form encoding
    }
}
