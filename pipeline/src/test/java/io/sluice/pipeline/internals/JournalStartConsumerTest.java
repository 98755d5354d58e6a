package io.sluice.pipeline.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import io.sluice.pipeline.StartFrom;
import io.sluice.pipeline.TableResolver;
import io.sluice.sink.CommitHook;
import io.sluice.sink.OffsetGap;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reading consumer against log-core: it starts where the journal says, marks what each record covers, and turns a
 * position the log no longer holds into a gap record, reading on from the log start.
 */
class JournalStartConsumerTest {
    @TempDir
    static Path dir;
    static LogManager log;
    static KafkaServer kafka;

    @BeforeAll
    static void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir.resolve("log")));
        kafka = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        log.close();
    }

    static void produce(String topic, int n, long timestamp) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafka.port());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, 0, timestamp, null, ("v" + i).getBytes())).get();
            }
        }
    }

    static JournalStartConsumer consumer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafka.port());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        TableResolver tables = TableResolver.underWarehouse(dir.resolve("wh").toUri().toString(),
                TableSpec.builder("template", dir.resolve("wh/template").toUri().toString()).build());
        return new JournalStartConsumer(config, new JournalStartConsumerFactory(tables, Map.of(),
                "http://127.0.0.1:1", CommitHook.NONE, StartFrom.EARLIEST));
    }

    @Test
    void aSeekToDeletedOffsetsYieldsOneGapRecordThenTheRecordsFromTheLogStart() throws Exception {
        // given 20 old records, then retention deleting them once 5 new ones are in a new segment
        String topic = "seek-gone";
        log.createTopic(topic, 1, Map.of("retention.ms", "86400000"));
        produce(topic, 20, System.currentTimeMillis() - Duration.ofDays(3).toMillis());
        log.partition(topic, 0).roll();
        produce(topic, 5, System.currentTimeMillis());
        log.runMaintenance();
        assertThat(log.partition(topic, 0).logStartOffset()).isEqualTo(20);

        // when a reader is placed at offset 8, as KafkaIO places one restored from an old checkpoint
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (JournalStartConsumer c = consumer()) {
            c.assign(List.of(tp));
            c.seek(tp, 8);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (read.size() < 6 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }

        // then the first record marks 8..19 as gone, and 20..24 follow, the first of them covering from 20
        assertThat(read).hasSize(6);
        assertThat(JournalStartConsumer.gapOf(read.get(0).headers()))
                .isEqualTo(new OffsetGap(8, 19, OffsetGap.Reason.RETENTION));
        assertThat(read.subList(1, 6)).extracting(ConsumerRecord::offset).containsExactly(20L, 21L, 22L, 23L, 24L);
        assertThat(JournalStartConsumer.startsRead(read.get(1).headers())).isTrue();
        assertThat(JournalStartConsumer.coversFrom(read.get(1).headers(), 20)).isEqualTo(20);
    }
}
