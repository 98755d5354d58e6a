package io.sluice.sink.internals;

import io.sluice.sink.DeadLetter;
import java.nio.ByteBuffer;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The dead-letter table's row: the record as the log held it, where it was, and why it was refused. */
public final class DeadLetterRows {
    private static final Schema TIMESTAMP = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
    public static final Schema SCHEMA = SchemaBuilder.record("DeadLetter").namespace("io.sluice")
            .doc("A record Sluice could not write to its table, kept whole with the reason.")
            .fields()
            .requiredString("source_table")
            .requiredString("topic")
            .requiredInt("partition")
            .requiredLong("offset")
            .name("timestamp").doc("the timestamp stored in the log").type(TIMESTAMP).noDefault()
            .optionalBytes("key")
            .optionalBytes("value")
            .requiredString("reason")
            .requiredString("error_class")
            .name("dead_lettered_at").type(TIMESTAMP).noDefault()
            .endRecord();

    private DeadLetterRows() {}

    public static GenericRecord row(String table, DeadLetter d, long now) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("source_table", table);
        r.put("topic", d.topic());
        r.put("partition", d.partition());
        r.put("offset", d.offset());
        r.put("timestamp", d.timestamp());
        r.put("key", d.rawKey() == null ? null : ByteBuffer.wrap(d.rawKey()));
        r.put("value", d.rawValue() == null ? null : ByteBuffer.wrap(d.rawValue()));
        r.put("reason", d.reason());
        r.put("error_class", d.errorClass());
        r.put("dead_lettered_at", now);
        return r;
    }
}
