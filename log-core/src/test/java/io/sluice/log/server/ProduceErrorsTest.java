package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.TopicDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce errors seen through the real producer: a record over the topic's max.message.bytes fails alone
 * and the producer carries on; an unknown topic with auto-creation off fails the send without hanging
 * the server; with auto-creation on, a new topic just works.
 */
class ProduceErrorsTest {
    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;

    void start(KafkaServerConfig config) {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(config, log);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (log != null) {
            log.close();
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void recordOverMaxMessageBytesFailsAloneAndTheProducerCarriesOn() throws Exception {
        // given a topic with max.message.bytes=10000 and an idempotent producer allowed 1 MB requests
        start(KafkaServerConfig.defaults("127.0.0.1", 0));
        log.createTopic("small", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES, "10000"));
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(1024 * 1024));
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            producer.send(new ProducerRecord<>("small", 0, "k", "before")).get(10, TimeUnit.SECONDS);

            // when it sends a 50 KB record
            Future<RecordMetadata> big = producer.send(new ProducerRecord<>("small", 0, "k", "x".repeat(50_000)));

            // then that send fails with RecordTooLargeException
            assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(RecordTooLargeException.class);

            // and the next sends on the same producer succeed, right after the first record
            RecordMetadata after1 = producer.send(new ProducerRecord<>("small", 0, "k", "after-1")).get(10, TimeUnit.SECONDS);
            RecordMetadata after2 = producer.send(new ProducerRecord<>("small", 0, "k", "after-2")).get(10, TimeUnit.SECONDS);
            assertThat(after1.offset()).as("offset of the first record after the refused one").isEqualTo(1);
            assertThat(after2.offset()).as("offset of the second record after the refused one").isEqualTo(2);
        }
        // (the 3.9 client bumps its epoch locally after a batch failed for good and restarts at sequence 0;
        // the log took that as the producer's new epoch)
        assertThat(log.partition("small", 0).producerState().values()).extracting(e -> e.epoch())
                .as("epochs of the producers of small-0").containsExactly((short) 1);
        List<ConsumerRecord<String, String>> read = Clients.readAll(bootstrap(), Clients.partitions("small", 1),
                Duration.ofSeconds(10)).get(0);
        assertThat(read).extracting(ConsumerRecord::value).containsExactly("before", "after-1", "after-2");
    }

    @Test
    void produceToAnUnknownTopicWithAutoCreationOffFailsAndTheServerCarriesOn() throws Exception {
        // given a server that does not create topics, and one existing topic
        start(KafkaServerConfig.defaults("127.0.0.1", 0).withAutoCreateTopics(false, 1));
        log.createTopic("known", 1, Map.of());
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            // when a record is sent to a topic that does not exist
            Future<RecordMetadata> unknown = producer.send(new ProducerRecord<>("missing", "k", "v"));

            // then the send fails (the topic never shows up in metadata) and no topic is created
            assertThatThrownBy(() -> unknown.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfAny(TimeoutException.class, UnknownTopicOrPartitionException.class);
            assertThat(log.topic("missing")).as("topic 'missing' after a produce with auto-creation off").isEmpty();

            // and the same producer, and the server, still serve the existing topic
            RecordMetadata known = producer.send(new ProducerRecord<>("known", 0, "k", "v")).get(10, TimeUnit.SECONDS);
            assertThat(known.offset()).isZero();
        }
    }

    @Test
    void produceToANewTopicWithAutoCreationOnCreatesIt() throws Exception {
        // given a server creating unknown topics with 2 partitions
        start(KafkaServerConfig.defaults("127.0.0.1", 0).withAutoCreateTopics(true, 2));
        try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap()))) {
            // when a producer writes to a topic nobody created
            RecordMetadata m = producer.send(new ProducerRecord<>("fresh", 1, "k", "v")).get(10, TimeUnit.SECONDS);

            // then the topic exists with the default partition count and holds the record
            assertThat(m.partition()).isEqualTo(1);
            assertThat(m.offset()).isZero();
        }
        Optional<TopicDescription> fresh = log.topic("fresh");
        assertThat(fresh).as("auto-created topic 'fresh'").isPresent();
        assertThat(fresh.get().partitions()).isEqualTo(2);
        List<ConsumerRecord<String, String>> read = Clients.readAll(bootstrap(), Clients.partitions("fresh", 2),
                Duration.ofSeconds(10)).get(1);
        assertThat(read).extracting(ConsumerRecord::value).containsExactly("v");
    }
}
