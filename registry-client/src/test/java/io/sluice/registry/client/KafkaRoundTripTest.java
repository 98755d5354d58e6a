package io.sluice.registry.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import io.sluice.registry.client.testrecords.UserEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

/** A real KafkaProducer and KafkaConsumer, configured by class name, through log-core's in-process server. */
class KafkaRoundTripTest {
    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @BeforeEach
    void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    @Test
    void specificRecordsProducedWithTheSerializerAreConsumedWithTheDeserializer() {
        // given
        log.createTopic("user-events", 1, Map.of());
        List<UserEvent> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add(UserEvent.newBuilder().setUserId(i).setAction(i % 2 == 0 ? "login" : "logout").setTags(List.of("t" + i)).build());
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
        pp.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT, registry);
        // when
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(pp)) {
            for (UserEvent e : sent) {
                producer.send(new ProducerRecord<>("user-events", "u" + e.getUserId(), e));
            }
            producer.flush();
        }
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class.getName());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT, registry);
        cp.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true");
        List<Object> received = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(cp)) {
            TopicPartition tp = new TopicPartition("user-events", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    received.add(r.value());
                }
            }
        }
        // then
        assertThat(received).as("UserEvents consumed from user-events").containsExactlyElementsOf(sent);
        assertThat(registry.getLatest("user-events-value").schema()).isEqualTo(UserEvent.getClassSchema());
    }
}
