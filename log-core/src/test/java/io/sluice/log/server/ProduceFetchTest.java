package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real Kafka Java client producing to and consuming from log-core through the server. */
class ProduceFetchTest {
    @RegisterExtension
    final InProcessBroker broker = new InProcessBroker();
    LogManager log;
    KafkaServer server;

    @BeforeEach
    void bind() {
        log = broker.log();
        server = broker.server();
    }

    String bootstrap() {
        return broker.bootstrap();
    }

    @Test
    void idempotentProducerWritesAndAssignedConsumerReadsEveryRecordInOrder() throws Exception {
        log.createTopic("events", 4, Map.of());
        int n = 20_000;
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                sent.add(producer.send(new ProducerRecord<>("events", i % 4, "k" + i, "v" + i)));
            }
            producer.flush();
        }
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            assertThat(m.offset()).as("offset in partition %d", m.partition())
                    .isEqualTo(lastOffset.merge(m.partition(), 0L, (a, b) -> a + 1));
        }
        for (int p = 0; p < 4; p++) {
            assertThat(log.partition("events", p).highWatermark()).as("high watermark of events-%d", p).isEqualTo(n / 4);
        }

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<Integer, List<String>> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition("events", 0), new TopicPartition("events", 1),
                    new TopicPartition("events", 2), new TopicPartition("events", 3));
            consumer.assign(tps);
            int total = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (total < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    List<String> values = seen.computeIfAbsent(r.partition(), k -> new ArrayList<>());
                    assertThat(r.offset()).as("offset of the next record of partition %d", r.partition()).isEqualTo(values.size());
                    values.add(r.value());
                    total++;
                }
            }
            assertThat(total).isEqualTo(n);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
            for (TopicPartition tp : tps) {
                assertThat(end.get(tp)).isEqualTo(n / 4);
                assertThat(begin.get(tp)).isZero();
            }
        }
        for (int p = 0; p < 4; p++) {
            List<String> values = seen.get(p);
            assertThat(values).hasSize(n / 4);
            for (int j = 0; j < values.size(); j++) {
                assertThat(values.get(j)).isEqualTo("v" + (j * 4 + p));
            }
        }
    }
}
