package io.sluice.registry.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes Avro {@code GenericRecord}s (any {@link GenericContainer}: records, enums, fixed, arrays), generated
 * {@link SpecificRecord}s and the primitives null, Boolean, Integer, Long, Float, Double, CharSequence, byte[] and
 * ByteBuffer into Confluent's wire format. The schema is registered (or, with {@code auto.register.schemas=false},
 * looked up) under {@code <topic>-value} or {@code <topic>-key}; the client caches the id, so the registry is
 * asked once per (subject, schema).
 */
public class AvroSerializer implements Serializer<Object> {
    private static final Schema BOOLEAN = Schema.create(Schema.Type.BOOLEAN);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema FLOAT = Schema.create(Schema.Type.FLOAT);
    private static final Schema DOUBLE = Schema.create(Schema.Type.DOUBLE);
    private static final Schema STRING = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    private SchemaRegistryClient client;
    private boolean autoRegister = true;
    private boolean isKey;
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction: {@link #configure} must follow. */
    public AvroSerializer() {}

    /** With the given client; {@link #configure} may still follow (its client settings are then ignored). */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        this.autoRegister = AvroSerdeConfig.booleanValue(configs, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, true);
        if (client == null) {
            client = AvroSerdeConfig.client(configs);
        }
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("AvroSerializer is not configured: no schema registry client (name it in value.serializer so that the producer configures it, or call configure() on an instance: Kafka clients do not configure serializer instances they are given)");
        }
        Schema schema = schemaOf(data);
        String subject = WireFormat.subjectFor(topic, isKey);
        int id;
        try {
            id = autoRegister ? client.register(subject, schema) : client.lookup(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Could not " + (autoRegister ? "register" : "look up") + " the schema of subject '"
                    + subject + "': " + e.getMessage(), e);
        }
        Object datum = data instanceof byte[] b ? ByteBuffer.wrap(b) : data;
        DatumWriter<Object> writer = data instanceof SpecificRecord
                ? specificWriters.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)))
                : genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
        } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
            throw new SerializationException("Could not write a " + data.getClass().getName() + " of topic '" + topic
                    + "' with schema " + schema.getFullName() + " (id " + id + "): " + e, e);
        }
        return out.toByteArray();
    }

    static Schema schemaOf(Object data) {
        if (data instanceof GenericContainer c) {
            return c.getSchema();
        }
        if (data instanceof CharSequence) {
            return STRING;
        }
        if (data instanceof Integer) {
            return INT;
        }
        if (data instanceof Long) {
            return LONG;
        }
        if (data instanceof Boolean) {
            return BOOLEAN;
        }
        if (data instanceof Double) {
            return DOUBLE;
        }
        if (data instanceof Float) {
            return FLOAT;
        }
        if (data instanceof byte[] || data instanceof ByteBuffer) {
            return BYTES;
        }
        throw new SerializationException("Cannot serialize a " + data.getClass().getName()
                + " as Avro: expected a GenericRecord, a SpecificRecord or an Avro primitive");
    }

    @Override
    public void close() {}
}
