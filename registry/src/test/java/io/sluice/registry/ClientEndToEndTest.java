package io.sluice.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.registry.client.AvroDeserializer;
import io.sluice.registry.client.AvroSerdeConfig;
import io.sluice.registry.client.AvroSerializer;
import io.sluice.registry.client.UnknownSchemaIdException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client library against this registry and log-core, end to end: a producer with the Avro serializer
 * auto-registers its schema over REST, a consumer with the Avro deserializer resolves it by id, and a
 * second schema version registered meanwhile is read back with the newer reader schema.
 */
class ClientEndToEndTest {
    static final Schema V1 = new Schema.Parser().parse("""
            {"type":"record","name":"PageView","namespace":"io.sluice.test","fields":[
              {"name":"url","type":"string"},{"name":"ms","type":"long"}]}""");
    static final Schema V2 = new Schema.Parser().parse("""
            {"type":"record","name":"PageView","namespace":"io.sluice.test","fields":[
              {"name":"url","type":"string"},{"name":"ms","type":"long"},
              {"name":"referrer","type":["null","string"],"default":null}]}""");

    @TempDir
    Path dir;
    RegistryFixture f;

    @BeforeEach
    void start() {
        f = new RegistryFixture(dir);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    String url() {
        return "http://127.0.0.1:" + f.registry.port();
    }

    @Test
    void serializerRegistersAndDeserializerResolvesThroughTheRealRegistry() {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, f.bootstrap());
        pp.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url());
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName()); // configured by the producer
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < 3; i++) {
                GenericRecord r = new GenericData.Record(V1);
                r.put("url", "/p" + i);
                r.put("ms", 1000L + i);
                producer.send(new ProducerRecord<>("views", 0, "k" + i, r));
            }
            GenericRecord r = new GenericData.Record(V2);
            r.put("url", "/p3");
            r.put("ms", 1003L);
            r.put("referrer", "/p2");
            producer.send(new ProducerRecord<>("views", 0, "k3", r));
            producer.flush();
        }
        assertThat(f.get("/subjects/views-value/versions").body()).as("versions registered by the serializer")
                .isEqualTo("[1,2]");

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, f.bootstrap());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url());
        cp.put(AvroSerdeConfig.READER_SCHEMA, V2.toString());
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class.getName());
        List<GenericRecord> read = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(cp)) {
            consumer.assign(List.of(new TopicPartition("views", 0)));
            long deadline = System.currentTimeMillis() + 30_000;
            while (read.size() < 4 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, Object> c : consumer.poll(Duration.ofMillis(200))) {
                    read.add((GenericRecord) c.value());
                }
            }
        }
        assertThat(read).hasSize(4);
        assertThat(read.get(0).get("url").toString()).isEqualTo("/p0");
        assertThat(read.get(0).get("referrer")).as("default of the newer reader schema for old data").isNull();
        assertThat(read.get(3).get("referrer").toString()).isEqualTo("/p2");
        assertThat(read).allSatisfy(r -> assertThat(r.getSchema()).isEqualTo(V2));
    }

    @Test
    void deserializerRefusesAnIdTheRegistryDoesNotKnow() {
        try (AvroDeserializer d = new AvroDeserializer()) {
            d.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url()), false);
            byte[] payload = ByteBuffer.allocate(6).put((byte) 0).putInt(4242).put((byte) 0).array();

            assertThatThrownBy(() -> d.deserialize("views", payload))
                    .isInstanceOf(UnknownSchemaIdException.class)
                    .hasMessageContaining("4242");
        }
    }
}
