package io.sluice.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.registry.client.testrecords.UserEvent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeRoundTripTest {
    static final Schema ORDER_V1 = new Schema.Parser().parse("""
            {"type":"record","name":"Order","namespace":"shop","fields":[
              {"name":"id","type":"long"},
              {"name":"item","type":"string"}]}""");
    static final Schema ORDER_V2 = new Schema.Parser().parse("""
            {"type":"record","name":"Order","namespace":"shop","fields":[
              {"name":"id","type":"long"},
              {"name":"item","type":"string"},
              {"name":"quantity","type":"int","default":1}]}""");

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    static GenericRecord order(Schema schema, long id, String item) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("item", item);
        return r;
    }

    AvroSerializer serializer(Map<String, ?> configs, boolean isKey) {
        AvroSerializer s = new AvroSerializer(registry);
        s.configure(configs, isKey);
        return s;
    }

    AvroDeserializer deserializer(Map<String, ?> configs) {
        AvroDeserializer d = new AvroDeserializer(registry);
        d.configure(configs, false);
        return d;
    }

    @Test
    void genericRecordRoundTripsThroughTheWireFormat() {
        // given
        GenericRecord sent = order(ORDER_V1, 42L, "kettle");
        // when
        byte[] bytes = serializer(Map.of(), false).serialize("orders", sent);
        Object read = deserializer(Map.of()).deserialize("orders", bytes);
        // then
        assertThat(read).as("deserialized Order").isInstanceOf(GenericRecord.class);
        GenericRecord r = (GenericRecord) read;
        assertThat(r.getSchema()).as("reader schema of the result").isEqualTo(ORDER_V1);
        assertThat(r.get("id")).isEqualTo(42L);
        assertThat(r.get("item").toString()).isEqualTo("kettle");
    }

    @Test
    void wireFormatIsMagicZeroThenBigEndianSchemaIdThenAvroBody() {
        // given: ids 1..257 taken, so the next id has two significant bytes (0x0102 = 258)
        for (int i = 0; i < 257; i++) {
            registry.register("filler", Schema.createEnum("E" + i, null, "x", List.of("A")));
        }
        // when
        byte[] bytes = serializer(Map.of(), false).serialize("orders", order(ORDER_V1, 1L, "a"));
        // then
        int id = registry.lookup("orders-value", ORDER_V1);
        assertThat(id).as("id assigned to Order").isEqualTo(258);
        assertThat(bytes).as("Confluent frame of Order id 1 item 'a'")
                .startsWith(new byte[] {0, 0, 0, 1, 2})
                // zig-zag long 1 -> 0x02; string of length 1 -> 0x02 'a'
                .endsWith(new byte[] {0x02, 0x02, 'a'})
                .hasSize(8);
    }

    @Test
    void valueAndKeySubjectsAreNamedByTopicAndTheSameSchemaKeepsOneId() {
        // when
        serializer(Map.of(), false).serialize("orders", order(ORDER_V1, 1L, "a"));
        serializer(Map.of(), true).serialize("orders", order(ORDER_V1, 1L, "a"));
        // then
        int valueId = registry.getLatest("orders-value").id();
        int keyId = registry.getLatest("orders-key").id();
        assertThat(keyId).as("id under orders-key vs orders-value").isEqualTo(valueId);
        assertThat(registry.getLatest("orders-value").version()).isEqualTo(1);
    }

    @Test
    void specificRecordRoundTripsAsTheGeneratedClass() {
        // given
        UserEvent sent = UserEvent.newBuilder().setUserId(7L).setAction("login").setTags(List.of("web", "eu")).setScore(0.5).build();
        // when
        byte[] bytes = serializer(Map.of(), false).serialize("events", sent);
        Object read = deserializer(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true")).deserialize("events", bytes);
        // then
        assertThat(read).as("deserialized UserEvent").isInstanceOf(UserEvent.class).isEqualTo(sent);
    }

    @Test
    void specificRecordIsReadAsGenericRecordWithoutSpecificReader() {
        UserEvent sent = UserEvent.newBuilder().setUserId(7L).setAction("logout").build();
        byte[] bytes = serializer(Map.of(), false).serialize("events", sent);

        Object read = deserializer(Map.of()).deserialize("events", bytes);

        assertThat(read).isInstanceOf(GenericRecord.class).isNotInstanceOf(SpecificRecord.class);
        assertThat(((GenericRecord) read).get("action").toString()).isEqualTo("logout");
        assertThat(((GenericRecord) read).get("score")).as("default score").isNull();
    }

    @Test
    void oldDataIsReadWithANewerReaderSchemaThatAddedAFieldWithADefault() {
        // given: data written with v1
        byte[] old = serializer(Map.of(), false).serialize("orders", order(ORDER_V1, 5L, "mug"));
        // when: read with v2 as the reader schema
        Object read = deserializer(Map.of(AvroSerdeConfig.READER_SCHEMA, ORDER_V2.toString())).deserialize("orders", old);
        // then
        GenericRecord r = (GenericRecord) read;
        assertThat(r.getSchema()).as("schema of the result").isEqualTo(ORDER_V2);
        assertThat(r.get("id")).isEqualTo(5L);
        assertThat(r.get("item").toString()).isEqualTo("mug");
        assertThat(r.get("quantity")).as("added field filled from its default").isEqualTo(1);
    }

    @Test
    void newerDataIsReadWithTheOlderReaderSchemaDroppingTheAddedField() {
        GenericRecord v2 = order(ORDER_V2, 6L, "cup");
        v2.put("quantity", 3);
        byte[] bytes = serializer(Map.of(), false).serialize("orders", v2);

        GenericRecord r = (GenericRecord) deserializer(Map.of(AvroSerdeConfig.READER_SCHEMA, ORDER_V1.toString())).deserialize("orders", bytes);

        assertThat(r.getSchema()).isEqualTo(ORDER_V1);
        assertThat(r.get("id")).isEqualTo(6L);
    }

    @Test
    void writerSchemaThatTheReaderCannotResolveIsRefusedNamingBothSchemas() {
        Schema incompatible = new Schema.Parser().parse("""
                {"type":"record","name":"Order","namespace":"shop","fields":[
                  {"name":"id","type":"long"},{"name":"weight","type":"double"}]}""");
        byte[] bytes = serializer(Map.of(), false).serialize("orders", order(ORDER_V1, 1L, "a"));

        assertThatThrownBy(() -> deserializer(Map.of(AvroSerdeConfig.READER_SCHEMA, incompatible.toString())).deserialize("orders", bytes))
                .isExactlyInstanceOf(SerializationException.class)
                .hasMessageContaining("shop.Order")
                .hasMessageContaining("weight");
    }

    @Test
    void specificReaderWithoutTheGeneratedClassOnTheClasspathIsRefused() {
        byte[] bytes = serializer(Map.of(), false).serialize("orders", order(ORDER_V1, 1L, "a"));

        assertThatThrownBy(() -> deserializer(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true)).deserialize("orders", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("shop.Order");
    }

    @Test
    void invalidReaderSchemaIsAConfigError() {
        assertThatThrownBy(() -> deserializer(Map.of(AvroSerdeConfig.READER_SCHEMA, "{\"type\":\"recrd\"}")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining(AvroSerdeConfig.READER_SCHEMA);
    }

    @Test
    void primitivesRoundTrip() {
        AvroSerializer s = serializer(Map.of(), false);
        AvroDeserializer d = deserializer(Map.of());
        assertThat(d.deserialize("t", s.serialize("t", "hello")).toString()).isEqualTo("hello");
        assertThat(d.deserialize("t", s.serialize("t", 12))).isEqualTo(12);
        assertThat(d.deserialize("t", s.serialize("t", 12L))).isEqualTo(12L);
        assertThat(d.deserialize("t", s.serialize("t", true))).isEqualTo(true);
        assertThat(d.deserialize("t", s.serialize("t", 1.5d))).isEqualTo(1.5d);
        assertThat(d.deserialize("t", s.serialize("t", 2.5f))).isEqualTo(2.5f);
        assertThat(d.deserialize("t", s.serialize("t", new byte[] {1, 2, 3}))).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    }

    @Test
    void nullValueSerializesToNullAndNullPayloadDeserializesToNull() {
        assertThat(serializer(Map.of(), false).serialize("orders", null)).isNull();
        assertThat(deserializer(Map.of()).deserialize("orders", null)).isNull();
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaIsRefused() {
        AvroSerializer s = serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        assertThatThrownBy(() -> s.serialize("orders", order(ORDER_V1, 1L, "a")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("orders-value")
                .hasCauseInstanceOf(SchemaRegistryException.class);
    }

    @Test
    void withoutAutoRegistrationARegisteredSchemaIsUsedByItsId() {
        int id = registry.register("orders-value", ORDER_V1);
        AvroSerializer s = serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false), false);

        byte[] bytes = s.serialize("orders", order(ORDER_V1, 1L, "a"));

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).as("schema id in the frame").isEqualTo(id);
    }

    @Test
    void unsupportedJavaTypeIsRefused() {
        assertThatThrownBy(() -> serializer(Map.of(), false).serialize("t", new Object()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.Object");
    }

    @Test
    void recordThatDoesNotMatchItsSchemaIsRefused() {
        GenericRecord missing = new GenericData.Record(ORDER_V1);
        missing.put("id", 1L); // item left null

        assertThatThrownBy(() -> serializer(Map.of(), false).serialize("orders", missing))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("shop.Order");
    }
}
