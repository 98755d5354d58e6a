package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every acks setting delivers every record, and batches compressed by the real producer with each codec
 * Kafka supports are stored as sent and read back identical.
 */
class ProduceAcksAndCompressionTest {
    static final int RECORDS = 2_000;
    static final int PARTITIONS = 2;

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

    static String value(int i) {
        return "value-" + i + "-" + "abcdefghij".repeat(i % 7); // compressible, of varying length
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all"})
    void everyAcksSettingDeliversEveryRecord(String acks) {
        // given a producer with acks=<acks> (idempotence only where Kafka allows it: acks=all)
        String topic = "acks-" + acks;
        log.createTopic(topic, PARTITIONS, Map.of());
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.ACKS_CONFIG, acks);
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));

        // when it sends records to every partition
        sendAll(pp, topic);

        // then every record is stored once, in order
        assertReadBackIdentical(topic);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesOfEveryCodecAreStoredAsSentAndReadBackIdentical(String codec) {
        // given an idempotent producer compressing with <codec>
        String topic = "codec-" + codec;
        log.createTopic(topic, PARTITIONS, Map.of());
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);

        // when it sends records to every partition
        sendAll(pp, topic);

        // then the log holds batches compressed with that codec, and a consumer reads every record back
        for (int p = 0; p < PARTITIONS; p++) {
            Set<CompressionType> stored = storedCompression(log.partition(topic, p));
            assertThat(stored).as("compression of the batches stored in %s-%d", topic, p)
                    .containsExactly(CompressionType.forName(codec));
        }
        assertReadBackIdentical(topic);
    }

    private void sendAll(Properties pp, String topic) {
        List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, value(i)), (m, e) -> {
                    if (e != null) {
                        failures.add(e);
                    }
                });
            }
            producer.flush();
        }
        assertThat(failures).as("failed sends to %s", topic).isEmpty();
        // acks=0 gets no answer: wait until the server has written and flushed everything
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(log.partition(topic, p).highWatermark()).as("high watermark of %s-%d", topic, p)
                        .isEqualTo(RECORDS / PARTITIONS);
            }
        });
    }

    private void assertReadBackIdentical(String topic) {
        Map<Integer, List<ConsumerRecord<String, String>>> read = Clients.readAll(bootstrap(),
                Clients.partitions(topic, PARTITIONS), Duration.ofSeconds(20));
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> values = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (ConsumerRecord<String, String> r : read.getOrDefault(p, List.of())) {
                assertThat(r.key()).as("key at offset %d of %s-%d", r.offset(), topic, p)
                        .isEqualTo("k" + (r.offset() * PARTITIONS + p));
                values.add(r.value());
            }
            for (int i = p; i < RECORDS; i += PARTITIONS) {
                expected.add(value(i));
            }
            assertThat(values).as("values read back from %s-%d", topic, p).isEqualTo(expected);
        }
    }

    private static Set<CompressionType> storedCompression(PartitionLog partition) {
        Set<CompressionType> types = new HashSet<>();
        long next = partition.logStartOffset();
        while (next < partition.highWatermark()) {
            ReadResult r = partition.read(next, 1 << 20);
            for (RecordBatch b : r.records().batches()) {
                types.add(b.compressionType());
                next = b.nextOffset();
            }
        }
        return types;
    }
}
