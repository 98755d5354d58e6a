package io.sluice.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Each kind of unreadable payload raises its own SerializationException subtype, so it can be dead-lettered. */
class InvalidPayloadTest {
    static final Schema EVENT = new Schema.Parser().parse("""
            {"type":"record","name":"Event","fields":[
              {"name":"id","type":"long"},
              {"name":"kind","type":["null","string"]},
              {"name":"name","type":"string"}]}""");

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final AvroDeserializer deserializer = new AvroDeserializer(registry);

    byte[] validPayload() {
        GenericRecord r = new GenericData.Record(EVENT);
        r.put("id", 300L);
        r.put("kind", "click");
        r.put("name", "home page");
        AvroSerializer s = new AvroSerializer(registry);
        s.configure(Map.of(), false);
        return s.serialize("events", r);
    }

    <T extends Throwable> T thrownBy(byte[] payload, Class<T> type) {
        T e = catchThrowableOfType(type, () -> deserializer.deserialize("events", payload));
        assertThat(e).as("%s for payload %s", type.getSimpleName(), Arrays.toString(payload)).isNotNull();
        assertThat(e).isInstanceOf(SerializationException.class);
        return e;
    }

    @Test
    void unknownMagicByteNamesTheByte() {
        byte[] payload = validPayload();
        payload[0] = 0x7f;

        UnknownMagicByteException e = thrownBy(payload, UnknownMagicByteException.class);

        assertThat(e.magicByte()).isEqualTo((byte) 0x7f);
        assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.UNKNOWN_MAGIC_BYTE);
        assertThat(e).hasMessageContaining("0x7f");
    }

    @Test
    void plainTextPayloadIsAnUnknownMagicByte() {
        UnknownMagicByteException e = thrownBy("{\"id\":1}".getBytes(), UnknownMagicByteException.class);
        assertThat(e.magicByte()).isEqualTo((byte) '{');
    }

    @Test
    void unknownSchemaIdNamesTheId() {
        byte[] payload = validPayload();
        payload[1] = 0x01; // id 0x01000001, never assigned

        UnknownSchemaIdException e = thrownBy(payload, UnknownSchemaIdException.class);

        assertThat(e.schemaId()).isEqualTo(0x01000001);
        assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.UNKNOWN_SCHEMA_ID);
        assertThat(e).hasMessageContaining(String.valueOf(0x01000001));
    }

    @Test
    void payloadShorterThanTheHeaderIsTruncated() {
        TruncatedPayloadException e = thrownBy(new byte[] {0, 0, 0}, TruncatedPayloadException.class);
        assertThat(e.length()).isEqualTo(3);
        assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.TRUNCATED);

        assertThat(thrownBy(new byte[0], TruncatedPayloadException.class).length()).isZero();
    }

    @Test
    void headerWithoutABodyIsTruncated() {
        byte[] payload = Arrays.copyOf(validPayload(), WireFormat.HEADER_SIZE);
        assertThat(thrownBy(payload, TruncatedPayloadException.class).length()).isEqualTo(5);
    }

    @Test
    void avroBodyCutShortIsTruncated() {
        byte[] valid = validPayload();
        for (int cut = valid.length - 1; cut > WireFormat.HEADER_SIZE; cut--) {
            byte[] payload = Arrays.copyOf(valid, cut);
            TruncatedPayloadException e = thrownBy(payload, TruncatedPayloadException.class);
            assertThat(e.length()).as("reported length of a payload cut to %d bytes", cut).isEqualTo(cut);
        }
    }

    @Test
    void invalidUnionBranchIsCorruptAvro() {
        byte[] payload = validPayload();
        // body: id 300 is zig-zag 600 = 0xd8 0x04, then the union branch index: 0x02 (branch 1, string)
        assertThat(payload[WireFormat.HEADER_SIZE + 2]).as("union branch byte").isEqualTo((byte) 0x02);
        payload[WireFormat.HEADER_SIZE + 2] = 0x0a; // branch 5 of a 2-branch union

        CorruptAvroException e = thrownBy(payload, CorruptAvroException.class);

        assertThat(e.reason()).isEqualTo(InvalidPayloadException.Reason.CORRUPT_AVRO);
        assertThat(e.schemaId()).isEqualTo(registry.lookup("events-value", EVENT));
    }

    @Test
    void negativeStringLengthIsCorruptAvro() {
        byte[] payload = validPayload();
        payload[WireFormat.HEADER_SIZE + 3] = 0x01; // length of "click" becomes zig-zag -1
        thrownBy(payload, CorruptAvroException.class);
    }

    @Test
    void bytesLeftOverAfterTheRecordAreCorruptAvro() {
        byte[] valid = validPayload();
        byte[] payload = Arrays.copyOf(valid, valid.length + 2);

        CorruptAvroException e = thrownBy(payload, CorruptAvroException.class);

        assertThat(e).hasMessageContaining("left over");
    }

    @Test
    void unreachableRegistryIsNotAnInvalidPayload() {
        SchemaRegistryClient down = new SchemaRegistryClient() {
            public int register(String subject, Schema schema) { throw unreachable(); }
            public Schema getById(int id) { throw unreachable(); }
            public RegisteredSchema getLatest(String subject) { throw unreachable(); }
            public int lookup(String subject, Schema schema) { throw unreachable(); }
            SchemaRegistryException unreachable() {
                return new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_RESPONSE, "connection refused");
            }
        };
        byte[] payload = validPayload();

        Throwable e = catchThrowableOfType(SerializationException.class, () -> new AvroDeserializer(down).deserialize("events", payload));

        assertThat(e).as("error for an unreachable registry").isNotNull().isNotInstanceOf(InvalidPayloadException.class)
                .hasCauseInstanceOf(SchemaRegistryException.class);
    }
}
