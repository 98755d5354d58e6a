package io.sluice.registry.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro: fetches the writer's schema by the id in the header (cached by the client) and
 * resolves it to the reader's schema, which is, in order: {@code sluice.reader.schema} if set; else with
 * {@code specific.avro.reader=true} the generated class named by the writer's schema; else the writer's schema.
 * Returns a {@code SpecificRecord} with {@code specific.avro.reader=true}, else a {@code GenericRecord} (or the
 * primitive). One DatumReader is kept per (writer id, reader schema).
 *
 * <p>A payload that cannot be read raises an {@link InvalidPayloadException} that says why:
 * {@link UnknownMagicByteException}, {@link UnknownSchemaIdException}, {@link TruncatedPayloadException} or
 * {@link CorruptAvroException}. A null payload (a tombstone) deserializes to null.
 */
public class AvroDeserializer implements Deserializer<Object> {
    private record ReaderKey(int writerId, Schema readerSchema) {}

    private SchemaRegistryClient client;
    private boolean specific;
    private Schema readerSchema;
    private final Map<ReaderKey, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction: {@link #configure} must follow. */
    public AvroDeserializer() {}

    /** With the given client; {@link #configure} may still follow (its client settings are then ignored). */
    public AvroDeserializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        specific = AvroSerdeConfig.booleanValue(configs, AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
        Object reader = configs.get(AvroSerdeConfig.READER_SCHEMA);
        if (reader instanceof Schema s) {
            readerSchema = s;
        } else if (reader != null && !reader.toString().isBlank()) {
            try {
                readerSchema = new Schema.Parser().parse(reader.toString());
            } catch (RuntimeException e) { // SchemaParseException, or (Avro 1.12) a NullPointerException for an unknown type name
                throw new ConfigException(AvroSerdeConfig.READER_SCHEMA, reader, "not a valid Avro schema: " + e);
            }
        }
        if (client == null) {
            client = AvroSerdeConfig.client(configs);
        }
    }

    @Override
    public Object deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException("AvroDeserializer is not configured: no schema registry client (name it in value.deserializer so that the consumer configures it, or call configure() on an instance: Kafka clients do not configure deserializer instances they are given)");
        }
        if (payload.length == 0) {
            throw new TruncatedPayloadException("Empty payload: no magic byte", 0, null);
        }
        if (payload[0] != WireFormat.MAGIC_BYTE) {
            throw new UnknownMagicByteException(payload[0]);
        }
        if (payload.length < WireFormat.HEADER_SIZE) {
            throw new TruncatedPayloadException("Payload shorter than the 5-byte header (magic byte and schema id)", payload.length, null);
        }
        int id = ByteBuffer.wrap(payload, 1, 4).getInt();
        DatumReader<Object> reader = readerFor(id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE, null);
        Object value;
        try {
            value = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new TruncatedPayloadException("Avro body written with schema id " + id + " ends before the record does", payload.length, e);
        } catch (IOException | RuntimeException e) {
            throw new CorruptAvroException(id, e.toString(), e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new CorruptAvroException(id, "bytes left over after the record", null);
            }
        } catch (IOException e) {
            throw new CorruptAvroException(id, e.toString(), e);
        }
        return value;
    }

    private DatumReader<Object> readerFor(int id) {
        Schema writer;
        try {
            writer = client.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isSchemaNotFound() || e.status() == 404) {
                throw new UnknownSchemaIdException(id, e);
            }
            throw new SerializationException("Could not fetch schema id " + id + " from the registry: " + e.getMessage(), e);
        }
        Schema reader = readerSchemaFor(writer);
        return readers.computeIfAbsent(new ReaderKey(id, reader), k -> newReader(id, writer, k.readerSchema()));
    }

    private Schema readerSchemaFor(Schema writer) {
        if (readerSchema != null) {
            return readerSchema;
        }
        if (specific && isNamed(writer)) {
            Class<?> c = SpecificData.get().getClass(writer);
            if (c == null) {
                throw new SerializationException("specific.avro.reader=true but no generated class " + writer.getFullName()
                        + " is on the classpath");
            }
            return SpecificData.get().getSchema(c);
        }
        return writer;
    }

    private static boolean isNamed(Schema s) {
        return s.getType() == Schema.Type.RECORD || s.getType() == Schema.Type.ENUM || s.getType() == Schema.Type.FIXED;
    }

    private DatumReader<Object> newReader(int id, Schema writer, Schema reader) {
        SchemaCompatibility.SchemaPairCompatibility compat = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException("Data written with schema id " + id + " (" + writer.getFullName()
                    + ") cannot be read with reader schema " + reader.getFullName() + ": " + compat.getResult().getIncompatibilities());
        }
        if (specific) {
            return new SpecificDatumReader<>(writer, reader, SpecificData.get());
        }
        return new GenericDatumReader<>(writer, reader, GenericData.get());
    }

    @Override
    public void close() {}
}
