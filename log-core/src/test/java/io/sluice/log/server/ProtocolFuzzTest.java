package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Gauge;
import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing of the protocol decoder and every handler with requests built from kafka-clients' schemas and
 * random values (a few thousand, pipelined in random bursts on fresh connections), for a bounded time in
 * the default suite. Afterwards a client connected before the fuzzing and new real Kafka clients are
 * served as usual, nothing was logged with a stack trace or at ERROR, and no request memory is held.
 * {@code -Dfuzz.seed=N} replays a run (the seed is in every assertion message);
 * {@code -Dfuzz.requests=N} runs longer.
 */
class ProtocolFuzzTest {
    static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 3_000);

    @TempDir
    Path dir;

    @Test
    void randomRequestsNeitherCrashNorStallTheServerNorLogStackTraces() throws Exception {
        String seed = "fuzz seed " + SEED + " (replay with -Dfuzz.seed=" + SEED + ")";
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0)
                     .withMaxRequestBytes(1024 * 1024), log);
             LogCapture logs = new LogCapture();
             RawKafkaConnection bystander = new RawKafkaConnection(server.port())) {
            Uuid checks = log.createTopic("checks", 1, Map.of()).topicId();
            log.createTopic(NullFieldRequests.TOPIC, 2, Map.of());
            assertProducesAndFetches(bystander, checks, 0, seed);

            RandomRequests random = new RandomRequests(SEED, NullFieldProbe.APIS);
            java.util.Random bursts = new java.util.Random(SEED);
            int sent = 0;
            while (sent < REQUESTS) {
                int burst = 1 + bursts.nextInt(20);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                    s.setSoTimeout(50);
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    for (int i = 0; i < burst; i++) {
                        out.write(random.next().frame());
                    }
                    try {
                        s.getOutputStream().write(out.toByteArray());
                    } catch (SocketException e) {
                        // the server closed the connection on an earlier request of the burst: allowed
                    }
                    drain(s.getInputStream());
                }
                sent += burst;
            }

            long handled = server.metrics().getTimers().values().stream().mapToLong(com.codahale.metrics.Timer::getCount).sum();
            assertThat(handled).as("requests that reached a handler and were answered (not a vacuous fuzz); " + seed)
                    .isGreaterThan(REQUESTS / 2);
            assertProducesAndFetches(bystander, checks, 1, seed);
            try (RawKafkaConnection fresh = new RawKafkaConnection(server.port())) {
                org.apache.kafka.common.requests.ApiVersionsResponse v =
                        fresh.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
                assertThat(v.data().errorCode()).as(seed).isZero();
            }
            String bootstrap = "127.0.0.1:" + server.port();
            try (KafkaProducer<String, String> producer = Clients.producer(Clients.producerProps(bootstrap))) {
                producer.send(new ProducerRecord<>("after-fuzz", "k", "v")).get();
            }
            Map<Integer, List<ConsumerRecord<String, String>>> read = Clients.readAll(bootstrap,
                    List.of(new org.apache.kafka.common.TopicPartition("after-fuzz", 0)), Duration.ofSeconds(30));
            assertThat(read.get(0)).as("what a new consumer reads; " + seed).extracting(ConsumerRecord::value)
                    .containsExactly("v");
            assertThat(logs.stackTracesAndErrors()).as("lines logged with a stack trace or at ERROR; " + seed).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(requestMemory(server))
                    .as("request memory held once the fuzzing connections closed; " + seed).isZero());
        }
    }

    /** Reads whatever the server answers until it is silent for 50 ms or closes. */
    static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // discard: the answers' content is the business of the other tests
            }
        } catch (SocketTimeoutException | SocketException e) {
            // silent or reset: done
        }
    }

    static void assertProducesAndFetches(RawKafkaConnection c, Uuid topicId, long offset, String seed) throws IOException {
        String value = "checked-" + offset;
        ProduceResponse produced = c.roundTrip(Requests.produce("checks", 0, Batches.of(1000L, value), (short) -1,
                Requests.latest(ApiKeys.PRODUCE)));
        ProduceResponseData.PartitionProduceResponse p = produced.data().responses().iterator().next()
                .partitionResponses().get(0);
        assertThat(Errors.forCode(p.errorCode())).as("bystander's produce; " + seed).isEqualTo(Errors.NONE);
        assertThat(p.baseOffset()).as(seed).isEqualTo(offset);
        FetchResponse fetched = c.roundTrip(Requests.fetch(topicId, "checks", 0, offset, 5_000, 1,
                Requests.latest(ApiKeys.FETCH)));
        assertThat(Requests.values(Requests.onlyPartition(fetched), RecordBatch.MAGIC_VALUE_V2)).as(seed)
                .containsExactly(value);
    }

    @SuppressWarnings("unchecked")
    static long requestMemory(KafkaServer server) {
        return ((Gauge<Long>) server.metrics().getGauges().get(KafkaServer.REQUEST_MEMORY_GAUGE)).getValue();
    }
}
