package io.sluice.pipeline.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.RecordTransform;
import io.sluice.registry.client.InMemorySchemaRegistryClient;
import io.sluice.sink.Partitioning;
import io.sluice.sink.SinkRecord;
import io.sluice.sink.TableSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every way a source record can be good or bad, and what the decode step makes of it. */
class RecordDecoderTest {
    static final Schema CLICK = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").endRecord();
    static final Schema CLICK_UPPER = SchemaBuilder.record("ClickUpper").namespace("test").fields()
            .requiredString("ID").endRecord();
    static final Schema TEXT = Schema.create(Schema.Type.STRING);
    static final long T = java.time.Instant.parse("2026-11-25T13:20:00Z").toEpochMilli();

    InMemorySchemaRegistryClient registry;
    int clickId;
    TableSpec table = TableSpec.builder("clicks", "file:///tmp/wh/clicks").build();

    @BeforeEach
    void setUp() {
        registry = new InMemorySchemaRegistryClient();
        clickId = registry.register("clicks-value", CLICK);
    }

    static GenericRecord click(String id, long ts) {
        GenericRecord r = new GenericData.Record(CLICK);
        r.put("id", id);
        r.put("ts", ts);
        return r;
    }

    static byte[] wire(int id, Schema schema, Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<Object>(schema).write(datum, enc);
        enc.flush();
        return out.toByteArray();
    }

    SinkElement decode(RecordDecoder d, byte[] value) {
        return d.decode(table, "clicks", 3, 42, T, "k".getBytes(), value);
    }

    @Test
    void aGoodRecordBecomesARowThatPointsAtTheRawValue() throws Exception {
        byte[] value = wire(clickId, CLICK, click("a", 1));
        SinkElement e = decode(new RecordDecoder(registry, null), value);
        assertThat(e.kind()).isEqualTo(SinkElement.Kind.ROW);
        SinkRecord r = e.row();
        assertThat(r.explicitBody()).as("body of an untouched record").isNull();
        assertThat(r.schemaId()).isEqualTo(clickId);
        assertThat(r.offset()).isEqualTo(42);
        assertThat(r.eventTime()).as("event time = log timestamp").isEqualTo(T);
        assertThat(r.partitionPath()).isEqualTo("dt=2026-11-25/hr=13");
        assertThat(r.rawValue()).isSameAs(value);
    }

    @Test
    void theEventTimeFieldDecidesThePartitionWhenTheTableNamesOne() throws Exception {
        table = table.toBuilder().eventTimeField("ts").partitioning(Partitioning.DAILY).build();
        SinkElement e = decode(new RecordDecoder(registry, null), wire(clickId, CLICK, click("a", T + 86_400_000L)));
        assertThat(e.row().eventTime()).isEqualTo(T + 86_400_000L);
        assertThat(e.row().partitionPath()).isEqualTo("dt=2026-11-26");
    }

    @Test
    void aFieldPartitionedTableUsesTheFieldValue() throws Exception {
        table = table.toBuilder().partitioning(Partitioning.FIELD).partitionField("id").build();
        SinkElement e = decode(new RecordDecoder(registry, null), wire(clickId, CLICK, click("x/y", 1)));
        assertThat(e.row().partitionPath()).isEqualTo("id=x%2Fy");
    }

    @Test
    void badMagicByteIsADeadLetter() throws Exception {
        byte[] value = wire(clickId, CLICK, click("a", 1));
        value[0] = 7;
        SinkElement e = decode(new RecordDecoder(registry, null), value);
        assertThat(e.kind()).isEqualTo(SinkElement.Kind.DEAD_LETTER);
        assertThat(e.deadLetter().errorClass()).isEqualTo("UnknownMagicByteException");
        assertThat(e.deadLetter().reason()).contains("magic byte 0x07");
        assertThat(e.deadLetter().rawValue()).isEqualTo(value);
        assertThat(e.deadLetter().offset()).isEqualTo(42);
    }

    @Test
    void unknownSchemaIdIsADeadLetter() throws Exception {
        SinkElement e = decode(new RecordDecoder(registry, null), wire(999, CLICK, click("a", 1)));
        assertThat(e.deadLetter().errorClass()).isEqualTo("UnknownSchemaIdException");
        assertThat(e.deadLetter().reason()).contains("999");
    }

    @Test
    void truncatedPayloadsAreDeadLetters() throws Exception {
        byte[] value = wire(clickId, CLICK, click("abcdef", 1));
        RecordDecoder d = new RecordDecoder(registry, null);
        assertThat(decode(d, Arrays.copyOf(value, 3)).deadLetter().errorClass())
                .isEqualTo("TruncatedPayloadException");
        assertThat(decode(d, Arrays.copyOf(value, value.length - 2)).deadLetter().errorClass())
                .isEqualTo("TruncatedPayloadException");
        assertThat(decode(d, new byte[0]).deadLetter().errorClass()).isEqualTo("TruncatedPayloadException");
    }

    @Test
    void corruptAvroAndTrailingBytesAreDeadLetters() throws Exception {
        byte[] value = wire(clickId, CLICK, click("a", 1));
        byte[] longer = Arrays.copyOf(value, value.length + 3);
        RecordDecoder d = new RecordDecoder(registry, null);
        assertThat(decode(d, longer).deadLetter().errorClass()).isEqualTo("CorruptAvroException");
        byte[] negativeLength = value.clone();
        negativeLength[5] = 0x03; // zig-zag -2: a negative string length
        assertThat(decode(d, negativeLength).deadLetter().errorClass()).isEqualTo("CorruptAvroException");
    }

    @Test
    void aTombstoneIsADeadLetterWithItsKey() {
        SinkElement e = decode(new RecordDecoder(registry, null), null);
        assertThat(e.deadLetter().errorClass()).isEqualTo(RecordDecoder.TOMBSTONE);
        assertThat(e.deadLetter().rawKey()).isEqualTo("k".getBytes());
        assertThat(e.deadLetter().rawValue()).isNull();
    }

    @Test
    void aSchemaThatIsNotARecordIsADeadLetter() throws Exception {
        int textId = registry.register("texts-value", TEXT);
        SinkElement e = decode(new RecordDecoder(registry, null), wire(textId, TEXT, "hello"));
        assertThat(e.deadLetter().errorClass()).isEqualTo("NotARecordSchema");
        assertThat(e.deadLetter().reason()).contains("STRING");
    }

    @Test
    void aMissingEventTimeFieldIsADeadLetter() throws Exception {
        table = table.toBuilder().eventTimeField("when").build();
        SinkElement e = decode(new RecordDecoder(registry, null), wire(clickId, CLICK, click("a", 1)));
        assertThat(e.deadLetter().errorClass()).isEqualTo("BadEventTime");
        assertThat(e.deadLetter().reason()).contains("'when'");
    }

    @Test
    void aTransformThatThrowsSendsTheRecordToTheDeadLetters() throws Exception {
        RecordTransform boom = r -> {
            throw new IllegalArgumentException("no clicks from " + r.get("id"));
        };
        SinkElement e = decode(new RecordDecoder(registry, boom), wire(clickId, CLICK, click("bot", 1)));
        assertThat(e.deadLetter().errorClass()).isEqualTo("IllegalArgumentException");
        assertThat(e.deadLetter().reason()).contains("no clicks from bot");
    }

    @Test
    void aTransformReturningNullFiltersTheRecordButKeepsItsOffset() throws Exception {
        SinkElement e = decode(new RecordDecoder(registry, r -> null), wire(clickId, CLICK, click("a", 1)));
        assertThat(e.kind()).isEqualTo(SinkElement.Kind.FILTERED);
        assertThat(e.offset()).isEqualTo(42);
    }

    @Test
    void aTransformKeepingTheSchemaRewritesTheBodyUnderTheSameId() throws Exception {
        RecordTransform rename = r -> {
            r.put("id", "seen-" + r.get("id"));
            return r;
        };
        SinkRecord r = decode(new RecordDecoder(registry, rename), wire(clickId, CLICK, click("a", 5))).row();
        assertThat(r.schemaId()).isEqualTo(clickId);
        assertThat(read(CLICK, r).get("id").toString()).isEqualTo("seen-a");
    }

    @Test
    void aTransformWithANewSchemaRegistersItUnderTheTablesSubject() throws Exception {
        RecordTransform upper = r -> {
            GenericRecord out = new GenericData.Record(CLICK_UPPER);
            out.put("ID", r.get("id").toString().toUpperCase());
            return out;
        };
        RecordDecoder d = new RecordDecoder(registry, upper);
        SinkRecord r = decode(d, wire(clickId, CLICK, click("a", 5))).row();
        int upperId = registry.lookup("sluice-clicks-value", CLICK_UPPER);
        assertThat(r.schemaId()).isEqualTo(upperId).isNotEqualTo(clickId);
        assertThat(read(CLICK_UPPER, r).get("ID").toString()).isEqualTo("A");
        assertThat(decode(d, wire(clickId, CLICK, click("b", 5))).row().schemaId()).isEqualTo(upperId);
    }

    @Test
    void reusedDecodersGiveEachRecordItsOwnValues() throws Exception {
        RecordDecoder d = new RecordDecoder(registry, null);
        for (int i = 0; i < 5; i++) {
            SinkRecord r = decode(d, wire(clickId, CLICK, click("id" + i, i))).row();
            assertThat(read(CLICK, r).get("id").toString()).isEqualTo("id" + i);
        }
    }

    private static GenericRecord read(Schema schema, SinkRecord r) throws IOException {
        return new GenericDatumReader<GenericRecord>(schema).read(null,
                DecoderFactory.get().binaryDecoder(r.bodyArray(), r.bodyOffset(), r.bodyLength(), null));
    }
}
