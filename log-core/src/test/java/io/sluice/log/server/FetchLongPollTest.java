package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.AppendResult;
import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetch long polls: a fetch parked on an empty partition is answered as soon as data arrives, and one
 * asking for more bytes than there are waits for them (or for its max wait) instead of returning early.
 */
class FetchLongPollTest {
    static final TopicPartition TP = new TopicPartition("polls", 0);

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;

    @BeforeEach
    void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic(TP.topic(), 1, Map.of());
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
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

    KafkaConsumer<String, String> consumer(int maxWaitMs, int minBytes) {
        Properties cp = Clients.consumerProps(bootstrap());
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(maxWaitMs));
        cp.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(minBytes));
        cp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(maxWaitMs + 30_000));
        KafkaConsumer<String, String> c = Clients.consumer(cp);
        c.assign(List.of(TP));
        c.seekToBeginning(List.of(TP));
        return c;
    }

    /**
     * Closes without waiting for the consumer's next fetch, parked at the server for up to its max wait
     * (the close would otherwise wait for it: responses on a connection come back in request order).
     */
    static void closeNow(KafkaConsumer<?, ?> c) {
        c.close(Duration.ofMillis(100));
    }

    /** Polls on a thread of its own until {@code count} records arrived; completes with them. */
    static CompletableFuture<List<List<ConsumerRecord<String, String>>>> pollUntil(KafkaConsumer<String, String> c,
                                                                               int count) {
        return CompletableFuture.supplyAsync(() -> {
            List<List<ConsumerRecord<String, String>>> polls = new ArrayList<>();
            int got = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got < count && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> rs = c.poll(Duration.ofSeconds(1));
                if (!rs.isEmpty()) {
                    List<ConsumerRecord<String, String>> batch = new ArrayList<>();
                    rs.forEach(batch::add);
                    polls.add(batch);
                    got += batch.size();
                }
            }
            return polls;
        });
    }

    @Test
    void parkedFetchIsAnsweredAsSoonAsARecordArrives() throws Exception {
        // given a consumer long-polling an empty partition with a 30 s max wait and min bytes 1
        KafkaConsumer<String, String> consumer = consumer(30_000, 1);
        try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap()))) {
            producer.partitionsFor(TP.topic()); // connect before the clock starts
            CompletableFuture<List<List<ConsumerRecord<String, String>>>> polled = pollUntil(consumer, 1);
            Thread.sleep(500); // let the fetch reach the server and park there

            // when one record is produced
            long sentAt = System.nanoTime();
            producer.send(new ProducerRecord<>(TP.topic(), 0, "k", "hello")).get(10, TimeUnit.SECONDS);

            // then the consumer receives it well before the 30 s max wait
            List<List<ConsumerRecord<String, String>>> polls = polled.get(10, TimeUnit.SECONDS);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
            assertThat(polls).as("records received within %d ms of the send", waitedMs).hasSize(1);
            assertThat(polls.get(0)).extracting(ConsumerRecord::value).containsExactly("hello");
            assertThat(waitedMs).as("ms from the send to the record's arrival (max wait 30000)").isLessThan(10_000);
        } finally {
            closeNow(consumer);
        }
    }

    @Test
    void fetchWaitsUntilMinBytesArriveBeforeAnswering() throws Exception {
        // given a consumer asking for at least 4 KB per fetch with a 30 s max wait
        KafkaConsumer<String, String> consumer = consumer(30_000, 4096);
        try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap()))) {
            CompletableFuture<List<List<ConsumerRecord<String, String>>>> polled = pollUntil(consumer, 2);

            // when a small record arrives, then (a little later) enough to pass min bytes
            producer.send(new ProducerRecord<>(TP.topic(), 0, "k", "small")).get(10, TimeUnit.SECONDS);
            Thread.sleep(500); // a server ignoring min bytes would answer with the small record alone by now
            producer.send(new ProducerRecord<>(TP.topic(), 0, "k", "x".repeat(8192))).get(10, TimeUnit.SECONDS);

            // then one fetch answer carries both: the server held the fetch until min bytes were there
            List<List<ConsumerRecord<String, String>>> polls = polled.get(10, TimeUnit.SECONDS);
            assertThat(polls).as("polls that returned records").hasSize(1);
            assertThat(polls.get(0)).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);
        } finally {
            closeNow(consumer);
        }
    }

    @Test
    void fetchWithMoreMinBytesThanThereWillBeReturnsTheDataAfterMaxWait() throws Exception {
        // given a consumer asking for 1 MB per fetch with a 1 s max wait
        KafkaConsumer<String, String> consumer = consumer(1_000, 1024 * 1024);
        try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap()))) {
            CompletableFuture<List<List<ConsumerRecord<String, String>>>> polled = pollUntil(consumer, 1);

            // when a single small record is produced
            producer.send(new ProducerRecord<>(TP.topic(), 0, "k", "lonely")).get(10, TimeUnit.SECONDS);

            // then the consumer still gets it, once the max wait has passed
            List<List<ConsumerRecord<String, String>>> polls = polled.get(20, TimeUnit.SECONDS);
            assertThat(polls).as("polls that returned records").hasSize(1);
            assertThat(polls.get(0)).extracting(ConsumerRecord::value).containsExactly("lonely");
        } finally {
            closeNow(consumer);
        }
    }

    @Test
    void fetchParkedWhenTheServerClosesDoesNotBreakLaterAppendsOrTheLogsCleanClose() throws Exception {
        // given a fetch parked at the server (30 s max wait) on a partition that fsyncs every append
        log.createTopic("synced", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1"));
        TopicPartition synced = new TopicPartition("synced", 0);
        Properties cp = Clients.consumerProps(bootstrap());
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "30000");
        KafkaConsumer<String, String> consumer = Clients.consumer(cp);
        try {
            consumer.assign(List.of(synced));
            consumer.seekToBeginning(List.of(synced));
            assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty(); // leaves its fetch parked at the server
        } finally {
            closeNow(consumer);
        }

        // when the server closes and the log (still open) takes appends, then closes
        server.close();
        server = null;
        PartitionLog partition = log.partition("synced", 0);
        AppendResult appended = partition.append(Batches.of(1_000, "after-the-server"));
        LogManager closing = log;
        log = null;
        closing.close();

        // then the append was made durable and the log closed cleanly (clean-shutdown marker written)
        assertThat(appended.firstOffset()).isZero();
        assertThat(partition.highWatermark()).as("high watermark of synced-0 after the append").isEqualTo(1);
        assertThat(Files.exists(dir.resolve(".clean-shutdown"))).as("clean-shutdown marker after the log closed").isTrue();
    }
}
