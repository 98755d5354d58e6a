package io.sluice.pipeline.internals;

import io.sluice.audit.RecordDigest;
import io.sluice.pipeline.RecordTransform;
import io.sluice.registry.client.CorruptAvroException;
import io.sluice.registry.client.InvalidPayloadException;
import io.sluice.registry.client.SchemaRegistryClient;
import io.sluice.registry.client.SchemaRegistryException;
import io.sluice.registry.client.TruncatedPayloadException;
import io.sluice.registry.client.UnknownMagicByteException;
import io.sluice.registry.client.UnknownSchemaIdException;
import io.sluice.registry.client.WireFormat;
import io.sluice.sink.DeadLetter;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.Partitioning;
import io.sluice.sink.SinkRecord;
import io.sluice.sink.TableSpec;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Turns one source record into a {@link SinkElement}: checks the Confluent framing, fetches the writer schema by id,
 * decodes the whole body (so a corrupt record is caught here and not in a table file), applies the user transform,
 * and works out the record's event time and partition directory.
 *
 * <p>Every way a record can be bad becomes a dead letter with a reason a person can act on; only a registry that
 * cannot be reached is thrown (retrying can fix that, and the runner retries the bundle). Beam-free, so it is
 * tested directly. Not thread-safe: one per DoFn instance (it reuses decoders and buffers).
 */
public final class RecordDecoder {
    /** The error class a null value (a tombstone) is reported with. */
    public static final String TOMBSTONE = "NullValue";

    private final SchemaRegistryClient registry;
    private final RecordTransform transform;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private final Map<Integer, GenericRecord> reuse = new HashMap<>();
    private final Map<String, Integer> outputIds = new HashMap<>();
    private final Map<Schema, GenericDatumWriter<GenericRecord>> writers = new HashMap<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;

    public RecordDecoder(SchemaRegistryClient registry, RecordTransform transform) {
        this.registry = registry;
        this.transform = transform;
    }

    /** The registry subject a transform's output schema for {@code table} is registered under. */
    public static String outputSubject(String table) {
        return "sluice-" + table + "-value";
    }

    public SinkElement decode(TableSpec table, String topic, int partition, long offset, long timestamp,
                              byte[] key, byte[] value) {
        if (value == null) {
            return dead(topic, partition, offset, timestamp, key, null,
                    "the value is null (a tombstone): a table row needs a value", TOMBSTONE);
        }
        try {
            int schemaId = header(value);
            GenericRecord record = read(schemaId, value);
            byte[] body = null;
            if (transform != null) {
                GenericRecord out;
                try {
                    out = transform.apply(record);
                } catch (Exception | LinkageError e) {
                    return dead(topic, partition, offset, timestamp, key, value,
                            "the transform refused the record: " + e, e.getClass().getSimpleName());
                }
                if (out == null) {
                    return SinkElement.filtered(new FilteredRecord(offset, timestamp, RecordDigest.of(key, value)));
                }
                schemaId = idOf(out.getSchema(), schemaId, table);
                body = encode(out);
                record = out;
            }
            long eventTime = eventTime(table, record, timestamp);
            String path = table.partitioning().isTimeBased()
                    ? table.partitioning().pathFor(eventTime, table.zone())
                    : Partitioning.fieldPath(table.partitionField(), fieldValue(record, table.partitionField()));
            return SinkElement.row(new SinkRecord(topic, partition, offset, timestamp, eventTime, path, schemaId, key,
                    value, body));
        } catch (InvalidPayloadException e) {
            return dead(topic, partition, offset, timestamp, key, value, e.getMessage(), e.getClass().getSimpleName());
        } catch (RowException e) {
            return dead(topic, partition, offset, timestamp, key, value, e.getMessage(), e.errorClass);
        }
    }

    private static SinkElement dead(String topic, int partition, long offset, long timestamp, byte[] key,
                                    byte[] value, String reason, String errorClass) {
        return SinkElement.deadLetter(new DeadLetter(topic, partition, offset, timestamp, key, value, reason,
                errorClass));
    }

    private static int header(byte[] value) {
        if (value.length == 0) {
            throw new TruncatedPayloadException("Empty payload: no magic byte", 0, null);
        }
        if (value[0] != WireFormat.MAGIC_BYTE) {
            throw new UnknownMagicByteException(value[0]);
        }
        if (value.length < WireFormat.HEADER_SIZE) {
            throw new TruncatedPayloadException("Payload shorter than the 5-byte header (magic byte and schema id)",
                    value.length, null);
        }
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    private GenericRecord read(int schemaId, byte[] value) {
        GenericDatumReader<GenericRecord> reader = readers.get(schemaId);
        if (reader == null) {
            Schema writer = schema(schemaId);
            if (writer.getType() != Schema.Type.RECORD) {
                throw new RowException("schema id " + schemaId + " is a " + writer.getType()
                        + ", not a record: table rows are records", "NotARecordSchema");
            }
            reader = new GenericDatumReader<>(writer);
            readers.put(schemaId, reader);
        }
        decoder = DecoderFactory.get().binaryDecoder(value, WireFormat.HEADER_SIZE,
                value.length - WireFormat.HEADER_SIZE, decoder);
        GenericRecord record;
        try {
            // without a transform nothing keeps the record, so one instance per schema is reused
            record = reader.read(transform == null ? reuse.get(schemaId) : null, decoder);
            if (!decoder.isEnd()) {
                throw new CorruptAvroException(schemaId, "bytes left over after the record", null);
            }
        } catch (EOFException e) {
            throw new TruncatedPayloadException("Avro body written with schema id " + schemaId
                    + " ends before the record does", value.length, e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidPayloadException ip) {
                throw ip;
            }
            throw new CorruptAvroException(schemaId, e.toString(), e);
        }
        if (transform == null) {
            reuse.put(schemaId, record);
        }
        return record;
    }

    private Schema schema(int id) {
        try {
            return registry.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isSchemaNotFound() || e.status() == 404) {
                throw new UnknownSchemaIdException(id, e);
            }
            throw new SerializationException("could not fetch schema id " + id + " from the registry (retried by"
                    + " the runner): " + e.getMessage(), e);
        }
    }

    /** The writer id when the transform kept the schema, else the id of its schema in the table's subject. */
    private int idOf(Schema out, int writerId, TableSpec table) {
        if (out.equals(schema(writerId))) {
            return writerId;
        }
        String key = table.name() + "\u0000" + out.toString();
        Integer id = outputIds.get(key);
        if (id == null) {
            try {
                id = registry.register(outputSubject(table.name()), out);
            } catch (SchemaRegistryException e) {
                if (e.status() == 409 || e.status() == 422) {
                    // an output schema the subject refuses is wrong for every record like this one: not retryable
                    throw new RowException("the transform's output schema " + out.getFullName()
                            + " is refused by subject " + outputSubject(table.name()) + ": " + e.getMessage(),
                            "IncompatibleOutputSchema");
                }
                throw new SerializationException("could not register the transform's output schema under "
                        + outputSubject(table.name()) + ": " + e.getMessage(), e);
            }
            outputIds.put(key, id);
        }
        return id;
    }

    private byte[] encode(GenericRecord record) {
        GenericDatumWriter<GenericRecord> writer = writers.computeIfAbsent(record.getSchema(), GenericDatumWriter::new);
        buffer.reset();
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new RowException("the transform's output does not encode with its own schema "
                    + record.getSchema().getFullName() + ": " + e, "TransformOutputInvalid");
        }
        return buffer.toByteArray();
    }

    private static long eventTime(TableSpec table, GenericRecord record, long logTimestamp) {
        String field = table.eventTimeField();
        if (field == null) {
            return logTimestamp;
        }
        Object v = fieldValue(record, field);
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Instant t) {
            return t.toEpochMilli();
        }
        throw new RowException("event-time field '" + field + "' of table " + table.name() + " is "
                + (v == null ? "missing or null" : "a " + v.getClass().getSimpleName() + ", not a long")
                + " in this record", "BadEventTime");
    }

    private static Object fieldValue(GenericRecord record, String field) {
        return record.getSchema().getField(field) == null ? null : record.get(field);
    }

    /** A record that decoded but cannot become a row of its table. */
    private static final class RowException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String errorClass;

        RowException(String message, String errorClass) {
            super(message);
            this.errorClass = errorClass;
        }
    }
}
