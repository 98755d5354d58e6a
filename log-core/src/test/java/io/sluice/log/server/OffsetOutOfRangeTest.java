package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer positioned below the log start (retention deleted the segments it wanted) gets
 * OFFSET_OUT_OF_RANGE, which auto.offset.reset=earliest turns into a jump to the new log start.
 */
class OffsetOutOfRangeTest {
    static final TopicPartition TP = new TopicPartition("retained", 0);
    static final int RECORDS = 200;

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    long logStart;

    @BeforeEach
    void start() throws Exception {
        // a topic with 1 KB segments of which retention keeps about 2 KB, filled and then trimmed
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic(TP.topic(), 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "2048"));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.ACKS_CONFIG, "1"); // one batch per record, without waiting for an fsync each
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TP.topic(), 0, "k" + i, "value-" + i)).get(10, TimeUnit.SECONDS);
            }
        }
        PartitionLog partition = log.partition(TP.topic(), 0);
        partition.flush();
        int segmentsBefore = partition.segmentCount();
        long deleted = log.runMaintenance();
        logStart = partition.logStartOffset();
        assertThat(deleted).as("segments deleted by retention (of %d)", segmentsBefore).isPositive();
        assertThat(logStart).as("log start after retention").isBetween(1L, RECORDS - 1L);
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    KafkaConsumer<String, String> consumer(String reset) {
        Properties cp = Clients.consumerProps(bootstrap());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        KafkaConsumer<String, String> c = Clients.consumer(cp);
        c.assign(List.of(TP));
        return c;
    }

    @Test
    void consumerBelowTheLogStartJumpsToTheNewLogStartWithEarliestReset() {
        // given a consumer with auto.offset.reset=earliest
        try (KafkaConsumer<String, String> consumer = consumer("earliest")) {
            // when it seeks to offset 0, which retention deleted
            consumer.seek(TP, 0);

            // then it reads from the new log start to the end, the records there unchanged
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (read.size() < RECORDS - logStart && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertThat(read).as("records read after seeking below the log start %d", logStart)
                    .hasSize((int) (RECORDS - logStart));
            assertThat(read.get(0).offset()).as("first offset read").isEqualTo(logStart);
            for (ConsumerRecord<String, String> r : read) {
                assertThat(r.value()).as("value at offset %d", r.offset()).isEqualTo("value-" + r.offset());
            }
            assertThat(consumer.beginningOffsets(List.of(TP))).containsEntry(TP, logStart);
        }
    }

    @Test
    void consumerBelowTheLogStartWithoutResetPolicyIsToldTheOffsetIsOutOfRange() {
        // given a consumer with auto.offset.reset=none
        try (KafkaConsumer<String, String> consumer = consumer("none")) {
            // when it seeks to offset 0, which retention deleted, and polls
            consumer.seek(TP, 0);

            // then the poll fails with OffsetOutOfRangeException naming the partition and the offset
            assertThatThrownBy(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
            }).isInstanceOf(OffsetOutOfRangeException.class)
                    .satisfies(e -> assertThat(((OffsetOutOfRangeException) e).offsetOutOfRangePartitions())
                            .containsEntry(TP, 0L));
        }
    }
}
