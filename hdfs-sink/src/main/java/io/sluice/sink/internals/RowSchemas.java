package io.sluice.sink.internals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The schema a table's files are written with: the writer schema of the record plus, unless the table
 * turns it off, a trailing {@code _sluice} field saying where the row came from. Because Avro's binary
 * encoding of a record is its fields' encodings one after the other, a row is the record's bytes as they
 * arrived followed by the encoded position: nothing is decoded or re-encoded on the write path.
 */
public final class RowSchemas {
    public static final String METADATA_FIELD = "_sluice";
    public static final Schema SOURCE_POSITION = SchemaBuilder.record("SourcePosition").namespace("io.sluice")
            .doc("Where the row came from in the log.")
            .fields()
            .requiredString("topic")
            .requiredInt("partition")
            .requiredLong("offset")
            .name("timestamp").doc("the timestamp stored in the log").type(
                    LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .endRecord();

    private RowSchemas() {}

    /** The file schema for rows of {@code writer}; throws if the writer schema cannot carry the field. */
    public static Schema fileSchema(Schema writer, boolean metadataField) {
        if (!metadataField) {
            return writer;
        }
        if (writer.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("rows must be Avro records to carry the " + METADATA_FIELD
                    + " field, but the writer schema is a " + writer.getType()
                    + " (turn metadata-field off for this table)");
        }
        if (writer.getField(METADATA_FIELD) != null) {
            throw new IllegalArgumentException("the writer schema " + writer.getFullName() + " already has a field named "
                    + METADATA_FIELD + " (turn metadata-field off for this table)");
        }
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : writer.getFields()) {
            Schema.Field copy = new Schema.Field(f, f.schema());
            fields.add(copy);
        }
        fields.add(new Schema.Field(METADATA_FIELD, SOURCE_POSITION, "Sluice: where the row came from", null));
        Schema file = Schema.createRecord(writer.getName(), writer.getDoc(), writer.getNamespace(), writer.isError(), fields);
        writer.getAliases().forEach(file::addAlias);
        writer.getObjectProps().forEach(file::addProp);
        return file;
    }

    /** Appends the encoded source position to a row's bytes. Reuses its buffers: one per writing thread. */
    public static final class PositionEncoder {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
        private BinaryEncoder encoder;

        public byte[] row(byte[] body, int offset, int length, String topic, int partition, long position, long timestamp)
                throws IOException {
            buffer.reset();
            buffer.write(body, offset, length);
            encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
            encoder.writeString(topic);
            encoder.writeInt(partition);
            encoder.writeLong(position);
            encoder.writeLong(timestamp);
            encoder.flush();
            return buffer.toByteArray();
        }
    }
}
