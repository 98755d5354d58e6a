package io.sluice.pipeline.internals;

import io.sluice.sink.SinkRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * {@link SinkRecord} in Beam state and between steps. Layout (varints zig-zag free: offsets and times are
 * written as unsigned varints of the long, so -1 takes 10 bytes, which only no-timestamp records pay):
 * topic, partition, offset, timestamp, eventTime, partitionPath, schemaId, rawKey, rawValue, body — strings and
 * arrays as {@link Bytes} (length + 1, 0 = null). Deterministic: equal records encode to equal bytes.
 */
public final class SinkRecordCoder extends CustomCoder<SinkRecord> {
    private static final long serialVersionUID = 1L;
    private static final SinkRecordCoder INSTANCE = new SinkRecordCoder();

    public static SinkRecordCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(SinkRecord r, OutputStream out) throws IOException {
        Bytes.writeString(r.topic(), out);
        VarInt.encode(r.partition(), out);
        VarInt.encode(r.offset(), out);
        VarInt.encode(r.timestamp(), out);
        VarInt.encode(r.eventTime(), out);
        Bytes.writeString(r.partitionPath(), out);
        VarInt.encode(r.schemaId(), out);
        Bytes.writeNullable(r.rawKey(), out);
        Bytes.writeNullable(r.rawValue(), out);
        Bytes.writeNullable(r.explicitBody(), out);
    }

    @Override
    public SinkRecord decode(InputStream in) throws IOException {
        String topic = Bytes.readString(in);
        int partition = VarInt.decodeInt(in);
        long offset = VarInt.decodeLong(in);
        long timestamp = VarInt.decodeLong(in);
        long eventTime = VarInt.decodeLong(in);
        String path = Bytes.readString(in);
        int schemaId = VarInt.decodeInt(in);
        byte[] key = Bytes.readNullable(in);
        byte[] value = Bytes.readNullable(in);
        byte[] body = Bytes.readNullable(in);
        return new SinkRecord(topic, partition, offset, timestamp, eventTime, path, schemaId, key, value, body);
    }

    @Override
    public void verifyDeterministic() {
        // every field is written in a fixed order with a fixed-form encoding
    }
}
