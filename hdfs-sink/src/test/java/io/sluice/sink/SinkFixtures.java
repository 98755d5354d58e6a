package io.sluice.sink;

import com.codahale.metrics.MetricRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.hadoop.conf.Configuration;

/** Rows, schemas and a tiny in-memory registry shared by the hdfs-sink tests. */
final class SinkFixtures {
    static final Schema V1 = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").requiredString("region").endRecord();
    static final long HOUR = 3_600_000L;
    /** 2025-11-24T16:00:00Z, on an hour boundary. */
    static final long T0 = 1_764_000_000_000L - (1_764_000_000_000L % HOUR);

    private SinkFixtures() {}

    /** A registry: schema id to schema. Id 1 is {@link #V1}. */
    static final class Registry implements SchemaSource {
        private final Map<Integer, Schema> byId = new HashMap<>(Map.of(1, V1));

        Registry with(int id, Schema s) {
            byId.put(id, s);
            return this;
        }

        @Override
        public Schema schema(int id) {
            Schema s = byId.get(id);
            if (s == null) {
                throw new IllegalStateException("unknown schema id " + id);
            }
            return s;
        }
    }

    static TableSink open(TableSpec spec, Configuration conf) {
        return TableSink.open(spec, conf, new Registry(), new MetricRegistry(), CommitHook.NONE);
    }

    static TableSink open(TableSpec spec, Configuration conf, CommitHook hook) {
        return TableSink.open(spec, conf, new Registry(), new MetricRegistry(), hook);
    }

    /** The registry wire format: magic 0, 4-byte schema id, Avro body. */
    static byte[] wire(int schemaId, GenericRecord r) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String regionOf(long offset) {
        return offset % 3 == 0 ? "eu" : offset % 3 == 1 ? "us" : "ap south";
    }

    static GenericRecord click(Schema schema, String topic, int p, long offset, long eventTime) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", topic + "-" + p + "-" + offset);
        r.put("ts", eventTime);
        r.put("region", regionOf(offset));
        return r;
    }

    static String pathOf(TableSpec spec, GenericRecord body, long eventTime) {
        return spec.partitioning().isTimeBased()
                ? spec.partitioning().pathFor(eventTime, spec.zone())
                : Partitioning.fieldPath(spec.partitionField(), body.get(spec.partitionField()));
    }

    /** A row of schema {@link #V1} (id 1) at {@code offset}, its log timestamp equal to its event time. */
    static SinkRecord row(TableSpec spec, String topic, int p, long offset, long eventTime) {
        return row(spec, 1, click(V1, topic, p, offset, eventTime), topic, p, offset, eventTime);
    }

    static SinkRecord row(TableSpec spec, int schemaId, GenericRecord body, String topic, int p, long offset,
                          long eventTime) {
        return new SinkRecord(topic, p, offset, eventTime, eventTime, pathOf(spec, body, eventTime), schemaId,
                ("key-" + offset).getBytes(), wire(schemaId, body), null);
    }

    /** Rows at offsets {@code from..to} (inclusive) with the event time {@code eventTime(offset)}. */
    static List<SinkRecord> rows(TableSpec spec, String topic, int p, long from, long to, LongUnaryOperator eventTime) {
        List<SinkRecord> rows = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            rows.add(row(spec, topic, p, o, eventTime.applyAsLong(o)));
        }
        return rows;
    }

    static DeadLetter deadLetter(String topic, int p, long offset, long timestamp) {
        return new DeadLetter(topic, p, offset, timestamp, ("key-" + offset).getBytes(),
                new byte[] {9, 9, (byte) offset}, "unknown magic byte 9 at offset " + offset, "UnknownMagicByteException");
    }

    static GenericRecord meta(GenericRecord row) {
        return (GenericRecord) row.get("_sluice");
    }

    static long offsetOf(GenericRecord row) {
        return (Long) meta(row).get("offset");
    }
}
