package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.TopicConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ListOffsets through the real clients: by timestamp (the first offset whose timestamp is at or after
 * the one asked for, with out-of-order CreateTime timestamps), earliest, latest and max timestamp; and a
 * LogAppendTime topic, whose records carry the time the server appended them.
 */
class ListOffsetsByTimestampTest {
    /** CreateTime timestamps of offsets 0..5, out of order. */
    static final long[] TIMESTAMPS = {1_000, 3_000, 2_000, 5_000, 4_000, 4_500};

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
    void offsetsForTimesFindsTheFirstOffsetAtOrAfterEachTimestamp() throws Exception {
        // given partition 0 with one batch per record in two segments, and partition 1 with all records in one
        // batch, with the same timestamps
        log.createTopic("times", 2, Map.of());
        TopicPartition perRecord = new TopicPartition("times", 0);
        TopicPartition oneBatch = new TopicPartition("times", 1);
        Properties pp = Clients.producerProps(bootstrap());
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            for (int i = 0; i < TIMESTAMPS.length; i++) {
                producer.send(new ProducerRecord<>("times", 0, TIMESTAMPS[i], "k" + i, "v" + i));
                producer.flush();
                if (i == 2) {
                    log.partition("times", 0).roll();
                }
            }
            for (int i = 0; i < TIMESTAMPS.length; i++) {
                producer.send(new ProducerRecord<>("times", 1, TIMESTAMPS[i], "k" + i, "v" + i));
            }
            producer.flush();
        }
        assertThat(log.partition("times", 0).segmentBaseOffsets()).containsExactly(0L, 3L);

        // when the consumer asks for offsets by time; then it gets the first offset whose timestamp >= T
        Map<Long, Long> expected = new LinkedHashMap<>();
        expected.put(0L, 0L);        // before every record
        expected.put(1_000L, 0L);    // exactly the first
        expected.put(1_500L, 1L);    // offset 2 (2000) is later in the log than offset 1 (3000)
        expected.put(2_000L, 1L);
        expected.put(3_000L, 1L);
        expected.put(3_001L, 3L);
        expected.put(4_200L, 3L);
        expected.put(5_000L, 3L);
        expected.put(5_001L, null);  // after every record
        try (KafkaConsumer<String, String> consumer = Clients.consumer(Clients.consumerProps(bootstrap()))) {
            for (TopicPartition tp : List.of(perRecord, oneBatch)) {
                for (Map.Entry<Long, Long> e : expected.entrySet()) {
                    OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, e.getKey())).get(tp);
                    if (e.getValue() == null) {
                        assertThat(found).as("offset for time %d in %s", e.getKey(), tp).isNull();
                    } else {
                        assertThat(found).as("offset for time %d in %s", e.getKey(), tp).isNotNull();
                        assertThat(found.offset()).as("offset for time %d in %s", e.getKey(), tp).isEqualTo(e.getValue());
                        assertThat(found.timestamp()).as("timestamp of the offset for time %d in %s", e.getKey(), tp)
                                .isEqualTo(TIMESTAMPS[e.getValue().intValue()]);
                    }
                }
            }
            // and earliest / latest are the log start and the high watermark
            assertThat(consumer.beginningOffsets(List.of(perRecord, oneBatch)))
                    .containsEntry(perRecord, 0L).containsEntry(oneBatch, 0L);
            assertThat(consumer.endOffsets(List.of(perRecord, oneBatch)))
                    .containsEntry(perRecord, (long) TIMESTAMPS.length).containsEntry(oneBatch, (long) TIMESTAMPS.length);
        }

        // and the admin client's max-timestamp spec finds the record with the largest timestamp
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(ap)) {
            Map<TopicPartition, ListOffsetsResultInfo> max = admin.listOffsets(
                    Map.of(perRecord, OffsetSpec.maxTimestamp(), oneBatch, OffsetSpec.maxTimestamp())).all()
                    .get(10, TimeUnit.SECONDS);
            for (TopicPartition tp : List.of(perRecord, oneBatch)) {
                assertThat(max.get(tp).offset()).as("offset of the max timestamp in %s", tp).isEqualTo(3L);
                assertThat(max.get(tp).timestamp()).as("max timestamp in %s", tp).isEqualTo(5_000L);
            }
        }
    }

    @Test
    void logAppendTimeTopicStampsRecordsWithTheAppendTime() throws Exception {
        // given a LogAppendTime topic
        log.createTopic("appended", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        TopicPartition tp = new TopicPartition("appended", 0);

        // when records with an old CreateTime are produced
        long before = System.currentTimeMillis();
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap()))) {
            for (int i = 0; i < 3; i++) {
                sent.add(producer.send(new ProducerRecord<>("appended", 0, 42L, "k" + i, "v" + i)).get(10, TimeUnit.SECONDS));
            }
        }
        long after = System.currentTimeMillis();

        // then the producer is told the append time, and the consumer reads it as LOG_APPEND_TIME
        Map<Long, Long> appendTimes = new HashMap<>();
        for (RecordMetadata m : sent) {
            assertThat(m.timestamp()).as("timestamp in the metadata of offset %d", m.offset()).isBetween(before, after);
            appendTimes.put(m.offset(), m.timestamp());
        }
        List<ConsumerRecord<String, String>> read = Clients.readAll(bootstrap(), List.of(tp), Duration.ofSeconds(10))
                .get(0);
        assertThat(read).hasSize(3);
        for (ConsumerRecord<String, String> r : read) {
            assertThat(r.timestampType()).as("timestamp type of offset %d", r.offset()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(r.timestamp()).as("timestamp of offset %d", r.offset()).isEqualTo(appendTimes.get(r.offset()));
        }

        // and a search by time uses the append times, not the CreateTime the producer sent
        try (KafkaConsumer<String, String> consumer = Clients.consumer(Clients.consumerProps(bootstrap()))) {
            OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, 43L)).get(tp);
            assertThat(found).as("offset for time 43").isNotNull();
            assertThat(found.offset()).as("offset for time 43").isZero();
            assertThat(found.timestamp()).as("timestamp of the offset for time 43").isEqualTo(appendTimes.get(0L));
            assertThat(consumer.offsetsForTimes(Map.of(tp, after + 60_000)).get(tp)).as("offset for a time after all").isNull();
        }
    }
}
