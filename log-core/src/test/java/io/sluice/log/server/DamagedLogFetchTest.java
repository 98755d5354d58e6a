package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real consumer in front of a log with a closed segment deleted by hand: it reads up to the hole and
 * stops there (KAFKA_STORAGE_ERROR, retried), never jumping over the hole or resetting its position.
 */
class DamagedLogFetchTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerStopsAtAHoleInsteadOfSkippingIt() throws Exception {
        long holeFrom;
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir))) {
            log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
            for (int i = 0; i < 60; i++) {
                log.partition("t", 0).append(Batches.of(1000L + i, "value-" + i));
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
            Path victim = files.filter(f -> f.toString().endsWith(".log")).sorted().toList().get(1);
            holeFrom = Long.parseLong(victim.getFileName().toString().replace(".log", ""));
            Files.delete(victim);
        }
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log)) {
            @SuppressWarnings("unchecked")
            long damaged = ((Gauge<Integer>) server.metrics().getGauges().get(KafkaServer.DAMAGED_RANGES_GAUGE)).getValue();
            assertThat(damaged).as("damaged ranges in the metrics").isEqualTo(1);
            try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
                FetchResponse r = c.roundTrip(Requests.fetch(log.partition("t", 0).topicId(), "t", 0, holeFrom, 0, 1,
                        Requests.latest(ApiKeys.FETCH)));
                assertThat(Errors.forCode(Requests.onlyPartition(r).errorCode())).isEqualTo(Errors.KAFKA_STORAGE_ERROR);
            }
            TopicPartition tp = new TopicPartition("t", 0);
            try (KafkaConsumer<String, String> consumer = Clients.consumer(Clients.consumerProps("127.0.0.1:" + server.port()))) {
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                List<String> values = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                        values.add(rec.value());
                    }
                }
                assertThat(values).as("what the consumer read").hasSize((int) holeFrom)
                        .last().isEqualTo("value-" + (holeFrom - 1));
                assertThat(consumer.position(tp)).as("the consumer's position: at the hole, not past it").isEqualTo(holeFrom);
            }
        }
    }
}
