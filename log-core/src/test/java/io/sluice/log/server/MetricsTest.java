package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's metrics: per API and per topic, over JMX and in Prometheus text format over HTTP. */
class MetricsTest {
    /** One sample line of the text format 0.0.4: name, optional labels, value. */
    static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    MetricsHttpServer http;
    Uuid ordersId;
    final HttpClient httpClient = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        ordersId = log.createTopic("orders", 1, Map.of()).topicId();
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        http = MetricsHttpServer.start("127.0.0.1", 0, server.metrics());
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
        log.close();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return httpClient.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Produces {@code records} to orders-0 (acks=all) and fetches everything back; returns the bytes fetched. */
    long produceAndFetch(RawKafkaConnection client, MemoryRecords records) throws IOException {
        ProduceResponse produced = client.roundTrip(Requests.produce("orders", 0, records, (short) -1,
                Requests.latest(ApiKeys.PRODUCE)));
        ProduceResponseData.PartitionProduceResponse p = produced.data().responses().find("orders")
                .partitionResponses().get(0);
        assertThat(Errors.forCode(p.errorCode())).as("produce error").isEqualTo(Errors.NONE);
        FetchResponse fetched = client.roundTrip(Requests.fetch(ordersId, "orders", 0, 0, 0, 1,
                Requests.latest(ApiKeys.FETCH)));
        return FetchResponse.recordsOrFail(Requests.onlyPartition(fetched)).sizeInBytes();
    }

    /** Sample lines by "name{labels}" (labels as written, without the trailing comma). */
    static Map<String, Double> samples(String body) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line in text format 0.0.4: %s", line).isTrue();
            String labels = m.group(2) == null ? "" : m.group(2).replace(",}", "}");
            samples.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    @Test
    void servesPerApiAndPerTopicMetricsInPrometheusTextFormat() throws Exception {
        // given produce and fetch traffic
        MemoryRecords records = Batches.of(1000L, "a", "b", "c");
        long fetchedBytes;
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            fetchedBytes = produceAndFetch(client, records);
            new ServerMetrics(server.metrics()).groupRebalance(); // as the group coordinator will
            // when /metrics is read while the client is connected
            HttpResponse<String> response = get("/metrics");

            // then it is the text format, one TYPE line per family, with the per-API and per-topic metrics
            assertThat(response.statusCode()).as("status of GET /metrics").isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).as("content type of /metrics")
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            String body = response.body();
            List<String> typeLines = body.lines().filter(l -> l.startsWith("# TYPE ")).toList();
            assertThat(typeLines).as("TYPE lines").doesNotHaveDuplicates()
                    .contains("# TYPE sluice_server_request_seconds summary",
                            "# TYPE sluice_server_topic_bytes_in_total counter",
                            "# TYPE sluice_server_connections gauge");
            Map<String, Double> samples = samples(body);
            for (String api : new String[] {"Produce", "Fetch"}) {
                assertThat(samples).as("samples of %s requests", api)
                        .containsEntry("sluice_server_request_seconds_count{api=\"" + api + "\"}", 1.0);
                for (String q : new String[] {"0.5", "0.75", "0.95", "0.99", "0.999"}) {
                    assertThat(samples.get("sluice_server_request_seconds{api=\"" + api + "\",quantile=\"" + q + "\"}"))
                            .as("%s latency quantile %s (seconds)", api, q).isNotNull().isBetween(0.0, 10.0);
                }
            }
            assertThat(samples)
                    .containsEntry("sluice_server_topic_bytes_in_total{topic=\"orders\"}", (double) records.sizeInBytes())
                    .containsEntry("sluice_server_topic_messages_in_total{topic=\"orders\"}", 3.0)
                    .containsEntry("sluice_server_topic_bytes_out_total{topic=\"orders\"}", (double) fetchedBytes)
                    .containsEntry("sluice_server_connections", 1.0)
                    .containsEntry("sluice_server_group_rebalances_total", 1.0)
                    .containsEntry("sluice_server_fetch_waiters", 0.0)
                    .containsKeys("sluice_server_bytes_in_total", "sluice_server_bytes_out_total",
                            "sluice_server_malformed_requests_total");
            assertThat(fetchedBytes).as("bytes fetched").isEqualTo(records.sizeInBytes());
        }
    }

    @Test
    void countsBytesOutOnceForALongPollThatReadsSeveralTimes() throws Exception {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            // given a long poll that wants more bytes than will come, so it answers at max wait
            var header = client.send(Requests.fetch(ordersId, "orders", 0, 0, 500, 10_000_000,
                    Requests.latest(ApiKeys.FETCH)));
            await().atMost(Duration.ofSeconds(10)).until(() -> ((Number) server.metrics().getGauges()
                    .get(KafkaServer.FETCH_WAITERS_GAUGE).getValue()).intValue() == 1);
            // when three batches arrive one by one while it waits (each wakes it to read again)
            for (String v : new String[] {"x", "y", "z"}) {
                log.partition("orders", 0).append(Batches.of(1000L, v));
                log.partition("orders", 0).flush();
            }
            FetchResponse response = client.receive(header);
            long sent = FetchResponse.recordsOrFail(Requests.onlyPartition(response)).sizeInBytes();
            assertThat(Requests.values(Requests.onlyPartition(response), RecordBatch.MAGIC_VALUE_V2))
                    .as("records of the long poll").containsExactly("x", "y", "z");
            // then bytes-out counts what was sent, once
            assertThat(server.metrics().meter("sluice.server.topic.orders.bytes-out").getCount())
                    .as("orders bytes-out after one long poll").isEqualTo(sent);
        }
    }

    @Test
    void answersOtherPathsWith404AndOtherMethodsWith405() throws Exception {
        assertThat(get("/").statusCode()).as("status of GET /").isEqualTo(404);
        assertThat(get("/metrics/extra").statusCode()).as("status of GET /metrics/extra").isEqualTo(404);
        assertThat(get("/metrics?name[]=x").statusCode()).as("status of GET /metrics with a query").isEqualTo(200);
        HttpResponse<String> post = httpClient.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port()
                + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as("status of POST /metrics").isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).as("Allow header of the 405").hasValue("GET, HEAD");
    }

    @Test
    void registersServerMetricsAsJmxMBeansUntilClosed() throws Exception {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            produceAndFetch(client, Batches.of(1000L, "a", "b"));
        }
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = mbeans.queryNames(new ObjectName(KafkaServer.JMX_DOMAIN + ":*"), null);
        ObjectName produce = new ObjectName("io.sluice:name=sluice.server.requests.Produce,type=timers");
        ObjectName bytesIn = new ObjectName("io.sluice:name=sluice.server.topic.orders.bytes-in,type=meters");
        ObjectName messagesIn = new ObjectName("io.sluice:name=sluice.server.topic.orders.messages-in,type=meters");
        ObjectName connections = new ObjectName("io.sluice:name=sluice.server.connections,type=counters");
        ObjectName rebalances = new ObjectName("io.sluice:name=sluice.server.group-rebalances,type=meters");
        assertThat(names).as("MBeans in domain io.sluice").contains(produce, bytesIn, messagesIn, connections, rebalances);
        assertThat(mbeans.getAttribute(produce, "Count")).as("Produce count over JMX").isEqualTo(1L);
        assertThat(mbeans.getAttribute(messagesIn, "Count")).as("orders messages-in over JMX").isEqualTo(2L);
        assertThat(mbeans.getAttribute(produce, "99thPercentile")).as("Produce p99 over JMX").isNotNull();

        server.close(); // closed again by stop(): close is idempotent
        assertThat(mbeans.queryNames(new ObjectName(KafkaServer.JMX_DOMAIN + ":*"), null))
                .as("MBeans left in io.sluice after the server closed")
                .doesNotContain(produce, bytesIn, messagesIn, connections, rebalances);
    }
}
