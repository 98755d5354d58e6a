package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.testing.PowerLossFileIO;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server and the log are stopped and started again on the same port while an idempotent producer
 * (acks=all) is sending: the producer retries through the outage, and every record it was told is
 * written is in the log exactly once, in the order it was sent.
 */
class IdempotentProducerRestartTest {
    static final String TOPIC = "restarts";
    static final int PARTITIONS = 3;

    enum Stop {
        /** LogManager.close(): flush, snapshots, clean-shutdown marker. */
        CLEAN,
        /** LogManager.abort(): no flush, no marker; the next open recovers the log. */
        ABORT,
        /** A power loss: everything not fsynced is gone (PowerLossFileIO), then abort. */
        POWER_LOSS
    }

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    PowerLossFileIO io;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (log != null) {
            log.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Stop.class)
    void everyAcknowledgedRecordIsStoredExactlyOnceAcrossServerRestarts(Stop how) throws Exception {
        // given a running server and an idempotent producer sending without pause to three partitions (small
        // segments: producer-state snapshots are written at each roll, and recovery replays from the last one)
        log = openLog(how);
        log.createTopic(TOPIC, PARTITIONS, Map.of(TopicConfig.SEGMENT_BYTES, "8192"));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        int port = server.port();
        String bootstrap = "127.0.0.1:" + port;

        Properties pp = Clients.producerProps(bootstrap);
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        pp.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        pp.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
        List<Set<String>> acked = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            acked.add(ConcurrentHashMap.newKeySet());
        }
        AtomicInteger ackCount = new AtomicInteger();
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean keepSending = new AtomicBoolean(true);
        int[] sentPerPartition = new int[PARTITIONS];
        Thread sender;
        try (KafkaProducer<String, String> producer = Clients.producer(pp)) {
            sender = new Thread(() -> {
                int i = 0;
                while (keepSending.get()) {
                    int p = i % PARTITIONS;
                    String value = p + ":" + sentPerPartition[p]++;
                    producer.send(new ProducerRecord<>(TOPIC, p, null, value), (md, e) -> {
                        if (e != null) {
                            failures.add(e);
                        } else {
                            acked.get(md.partition()).add(value);
                            ackCount.incrementAndGet();
                        }
                    });
                    if (++i % 50 == 0) {
                        sleepQuietly(1);
                    }
                }
            }, "restart-test-sender");
            sender.start();
            try {
                // when the server and the log are stopped mid-stream and started again on the same port, twice
                for (int round = 0; round < 2; round++) {
                    awaitAcks(ackCount, ackCount.get() + 2_000);
                    if (how == Stop.POWER_LOSS) {
                        io.crash(); // first: the power goes while the server still takes requests
                    }
                    server.close();
                    if (how == Stop.CLEAN) {
                        log.close();
                    } else {
                        log.abort();
                    }
                    server = null;
                    log = null;
                    sleepQuietly(300); // the producer meets a closed port and retries
                    log = openLog(how);
                    server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", port), log);
                }
                awaitAcks(ackCount, ackCount.get() + 2_000);
            } finally {
                keepSending.set(false);
                sender.join(10_000);
            }
            producer.flush();
        }

        // then every send succeeded, and each partition holds exactly the acknowledged values, once each, in order
        assertThat(failures).as("sends that failed despite retries").isEmpty();
        Map<Integer, List<ConsumerRecord<String, String>>> read = Clients.readAll(bootstrap,
                Clients.partitions(TOPIC, PARTITIONS), Duration.ofSeconds(30));
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<String, String>> records = read.getOrDefault(p, List.of());
            int expected = 0;
            for (ConsumerRecord<String, String> r : records) {
                assertThat(r.value()).as("value at offset %d of %s-%d (stop: %s)", r.offset(), TOPIC, p, how)
                        .isEqualTo(p + ":" + expected);
                expected++;
            }
            assertThat(records.size()).as("records in %s-%d: every acknowledged send, sent %d", TOPIC, p,
                    sentPerPartition[p]).isEqualTo(acked.get(p).size()).isEqualTo(sentPerPartition[p]);
        }

        // and a producer that starts after the restarts gets a producer id never handed out before
        Set<Long> idsBefore = log.partition(TOPIC, 0).producerState().keySet();
        try (KafkaProducer<String, String> second = Clients.producer(pp)) {
            second.send(new ProducerRecord<>(TOPIC, 0, null, "second")).get(30, TimeUnit.SECONDS);
        }
        Set<Long> idsAfter = log.partition(TOPIC, 0).producerState().keySet();
        assertThat(idsAfter).as("producer ids in %s-0 after a second producer wrote (before: %s)", TOPIC, idsBefore)
                .hasSize(idsBefore.size() + 1).containsAll(idsBefore);
    }

    private LogManager openLog(Stop how) throws java.io.IOException {
        if (how != Stop.POWER_LOSS) {
            return LogManager.open(LogManagerConfig.defaults(dir));
        }
        io = new PowerLossFileIO(dir);
        return LogManager.open(LogManagerConfig.defaults(dir).withFileIO(io));
    }

    private static void awaitAcks(AtomicInteger acks, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acks.get() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + acks.get() + " of " + atLeast + " sends acknowledged after 30 s");
            }
            Thread.sleep(5);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
