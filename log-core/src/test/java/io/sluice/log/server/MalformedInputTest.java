package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input never takes the server down. Each test sends something wrong on a raw socket, asserts what
 * that connection gets (Kafka's error or a closed connection, logged once), and then that a
 * well-behaved client connected before the bad input (the bystander) still produces and fetches.
 */
class MalformedInputTest {
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    LogCapture logs;
    RawKafkaConnection bystander;
    Uuid checksId;
    long bystanderOffset;

    @BeforeEach
    void start() throws IOException {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        checksId = log.createTopic("checks", 1, Map.of()).topicId();
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withMaxRequestBytes(MAX_REQUEST_BYTES), log);
        logs = new LogCapture();
        bystander = new RawKafkaConnection(server.port());
        ApiVersionsResponse versions = bystander.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
        assertThat(versions.data().errorCode()).as("bystander's first ApiVersions error").isZero();
    }

    @AfterEach
    void stop() throws IOException {
        bystander.close();
        server.close();
        log.close();
        logs.close();
    }

    long connections() {
        return server.metrics().counter("sluice.server.connections").getCount();
    }

    /** The bystander (connected before the bad input) and a new connection are served as usual. */
    void assertWellBehavedClientsUnaffected() throws IOException {
        String value = "still-served-" + bystanderOffset;
        ProduceResponse produced = bystander.roundTrip(Requests.produce("checks", 0,
                Batches.of(1000L, value), (short) -1, Requests.latest(ApiKeys.PRODUCE)));
        ProduceResponseData.PartitionProduceResponse p = produced.data().responses().iterator().next()
                .partitionResponses().get(0);
        assertThat(Errors.forCode(p.errorCode())).as("bystander's produce error").isEqualTo(Errors.NONE);
        assertThat(p.baseOffset()).as("bystander's produce offset").isEqualTo(bystanderOffset);
        FetchResponse fetched = bystander.roundTrip(Requests.fetch(checksId, "checks", 0, bystanderOffset, 5_000, 1,
                Requests.latest(ApiKeys.FETCH)));
        assertThat(Requests.values(Requests.onlyPartition(fetched), RecordBatch.MAGIC_VALUE_V2))
                .as("records the bystander fetched back").containsExactly(value);
        bystanderOffset++;
        try (RawKafkaConnection fresh = new RawKafkaConnection(server.port())) {
            ApiVersionsResponse v = fresh.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
            assertThat(v.data().errorCode()).as("a new connection's ApiVersions error").isZero();
        }
    }

    /** The server closed {@code bad}, logged exactly one warning about it, and nothing else warned. */
    void assertClosedAndLoggedOnce(RawKafkaConnection bad) throws IOException {
        assertThat(bad.closedByServer()).as("connection closed by the server, nothing sent back").isTrue();
        awaitOnlyBystanderConnected();
        assertThat(logs.warningsAbout(bad.localPort())).as("warnings about the bad connection").hasSize(1);
    }

    void awaitOnlyBystanderConnected() {
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(connections()).as("active connections (only the bystander left)").isEqualTo(1));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A request header written by hand: any api key and version, v1 (non-flexible) or v2 (flexible). */
    static byte[] header(short apiKey, short version, int correlationId, boolean flexible) {
        byte[] client = RawKafkaConnection.CLIENT_ID.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(10 + client.length + 1);
        b.putShort(apiKey).putShort(version).putInt(correlationId).putShort((short) client.length).put(client);
        if (flexible) {
            b.put((byte) 0); // no tagged fields
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static byte[] sizePrefix(int size) {
        return ByteBuffer.allocate(4).putInt(size).array();
    }

    @Test
    void refusesFrameOverMaxRequestBytesButServesOneExactlyAtIt() throws IOException {
        // given an ApiVersions v0 request padded with zeros to exactly socket.request.max.bytes
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            AbstractRequest request = Requests.apiVersions((short) 0);
            RequestHeader header = client.header(request);
            ByteBuffer padded = ByteBuffer.allocate(MAX_REQUEST_BYTES);
            padded.put(request.serializeWithHeader(header)).position(0);
            client.write(RawKafkaConnection.frame(padded));
            ApiVersionsResponse atMax = client.receive(header);
            assertThat(atMax.data().errorCode()).as("error answering a frame of exactly the maximum").isZero();
        }
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            // when a frame announces one byte more
            bad.write(concat(sizePrefix(MAX_REQUEST_BYTES + 1), header((short) 18, (short) 0, 1, false)));
            // then it is refused without waiting for its body
            assertClosedAndLoggedOnce(bad);
            assertThat(logs.warningsAbout(bad.localPort()).get(0)).contains(String.valueOf(MAX_REQUEST_BYTES + 1));
        }
        assertWellBehavedClientsUnaffected();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, Integer.MIN_VALUE})
    void closesConnectionOnNegativeFrameSize(int size) throws IOException {
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            bad.write(concat(sizePrefix(size), header((short) 18, (short) 0, 1, false)));
            assertClosedAndLoggedOnce(bad);
        }
        assertWellBehavedClientsUnaffected();
    }

    static Stream<Arguments> garbage() {
        return Stream.of(
                Arguments.of(Named.of("an HTTP request", "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII))),
                Arguments.of(Named.of("a TLS ClientHello", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01,
                        (byte) 0xfc, 0x03, 0x03, 0x11, 0x22, 0x33})),
                Arguments.of(Named.of("an empty frame", new byte[] {0, 0, 0, 0})),
                Arguments.of(Named.of("a frame too short for a header", new byte[] {0, 0, 0, 3, 0, 18, 0})),
                Arguments.of(Named.of("a header of 0xff bytes", concat(sizePrefix(16), filled(16, (byte) 0xff)))),
                Arguments.of(Named.of("a client id longer than the frame", concat(sizePrefix(10),
                        new byte[] {0, 18, 0, 0, 0, 0, 0, 1, 0x7f, (byte) 0xff}))),
                Arguments.of(Named.of("a bad frame followed by a good one", concat(sizePrefix(3), new byte[] {1, 2, 3},
                        RawKafkaConnection.frame(new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "x", 2),
                                Requests.apiVersions((short) 0))))));
    }

    static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        java.util.Arrays.fill(a, b);
        return a;
    }

    @ParameterizedTest
    @MethodSource("garbage")
    void closesConnectionOnGarbage(byte[] garbage) throws IOException {
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            bad.write(garbage);
            assertClosedAndLoggedOnce(bad);
        }
        assertWellBehavedClientsUnaffected();
    }

    @Test
    void survivesRandomFramesOnManyConnections() throws IOException {
        // given frames of random bytes (fixed seed), each on its own connection
        Random random = new Random(20_241_125);
        int closed = 0;
        for (int i = 0; i < 150; i++) {
            byte[] payload = new byte[random.nextInt(300)];
            random.nextBytes(payload);
            try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
                bad.write(concat(sizePrefix(payload.length), payload));
                // then each is answered (a random frame may be a valid request) or closed, never left hanging
                if (bad.closedByServer()) {
                    closed++;
                    awaitOnlyBystanderConnected();
                    assertThat(logs.warningsAbout(bad.localPort())).as("warnings about random frame %d", i).hasSize(1);
                }
            }
        }
        assertThat(closed).as("random frames refused").isGreaterThan(140);
        assertWellBehavedClientsUnaffected();
    }

    @ParameterizedTest
    @ValueSource(shorts = {-1, 9999, Short.MAX_VALUE})
    void closesConnectionOnUnknownApiKey(short apiKey) throws IOException {
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            byte[] h = header(apiKey, (short) 0, 1, false);
            bad.write(concat(sizePrefix(h.length), h));
            assertClosedAndLoggedOnce(bad);
        }
        assertWellBehavedClientsUnaffected();
    }

    @ParameterizedTest
    @ValueSource(shorts = {-1, 12, 13, Short.MAX_VALUE})
    void closesConnectionOnUnsupportedProduceVersionAsKafkaDoes(short version) throws IOException {
        assertThat(ApiKeys.PRODUCE.isVersionSupported(version)).as("Produce v%d supported by kafka-clients", version)
                .isFalse();
        // a v11 body under a header claiming another version
        AbstractRequest v11 = Requests.produce("checks", 0, Batches.of(1000L, "x"), (short) 1, (short) 11);
        ByteBuffer body = v11.serialize();
        byte[] h = header(ApiKeys.PRODUCE.id, version, 1, version >= 9);
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            bad.write(concat(sizePrefix(h.length + body.remaining()), h, body.array()));
            assertClosedAndLoggedOnce(bad);
        }
        assertThat(log.partition("checks", 0).logEndOffset()).as("records appended by the refused produce").isZero();
        assertWellBehavedClientsUnaffected();
    }

    @ParameterizedTest
    @ValueSource(shorts = {5, 127, Short.MAX_VALUE, -1})
    void answersTooNewApiVersionsRequestAtV0WithItsSupportedRangeAsKafkaDoes(short version) throws IOException {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            // given an ApiVersions request of a version this server does not know, with a body it cannot parse
            byte[] h = header(ApiKeys.API_VERSIONS.id, version, 77, true);
            byte[] futureBody = {9, 8, 7, 6, 5};
            client.write(concat(sizePrefix(h.length + futureBody.length), h, futureBody));
            // then the answer is Kafka's exactly: v0 response header (correlation id only), v0 body with
            // UNSUPPORTED_VERSION and one entry, ApiVersions 0..4
            ByteBuffer expected = ByteBuffer.allocate(16).putInt(77).putShort(Errors.UNSUPPORTED_VERSION.code())
                    .putInt(1).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 0)
                    .putShort(ApiKeys.API_VERSIONS.latestVersion(false));
            assertThat(client.readFrame().array()).as("bytes of the v0 UNSUPPORTED_VERSION response")
                    .isEqualTo(expected.array());
            // and the connection stays open: the client retries with a version it was told about
            ApiVersionsResponse retry = client.roundTrip(Requests.apiVersions(ApiKeys.API_VERSIONS.latestVersion(false)));
            assertThat(retry.data().errorCode()).as("error of the retried ApiVersions").isZero();
            assertThat(retry.data().apiKeys().find(ApiKeys.PRODUCE.id)).as("Produce in the retried answer").isNotNull();
        }
        assertThat(logs.warnings()).as("warnings for a too-new ApiVersions request").isEmpty();
        assertWellBehavedClientsUnaffected();
    }

    static Stream<Arguments> truncatedRequests() {
        MetadataRequestData metadata = new MetadataRequestData().setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName("a-topic-with-a-long-name")));
        return Stream.of(
                Arguments.of(Named.of("Produce v11", Requests.produce("truncated", 0, Batches.of(1000L, "a", "b", "c"),
                        (short) 1, (short) 11))),
                Arguments.of(Named.of("Produce v3", Requests.produce("truncated", 0, Batches.of(1000L, "a", "b", "c"),
                        (short) 1, (short) 3))),
                Arguments.of(Named.of("Metadata v12", new MetadataRequest(metadata, (short) 12))),
                Arguments.of(Named.of("Metadata v1", new MetadataRequest(metadata, (short) 1))));
    }

    @ParameterizedTest
    @MethodSource("truncatedRequests")
    void closesConnectionOnTruncatedBody(AbstractRequest request) throws IOException {
        log.createTopic("truncated", 1, Map.of());
        try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
            // given a request whose frame ends half-way through its body
            RequestHeader header = bad.header(request);
            ByteBuffer whole = request.serializeWithHeader(header);
            int headerSize = header.size();
            ByteBuffer cut = whole.duplicate().limit(headerSize + (whole.remaining() - headerSize) / 2);
            bad.write(RawKafkaConnection.frame(cut));
            assertClosedAndLoggedOnce(bad);
        }
        assertThat(log.partition("truncated", 0).logEndOffset()).as("records appended from a truncated produce").isZero();
        assertThat(log.topic("a-topic-with-a-long-name")).as("topic auto-created by a truncated metadata").isEmpty();
        assertWellBehavedClientsUnaffected();
    }

    @Test
    void waitsForFramesSplitAcrossTinyWrites() throws IOException {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            // given two requests written one byte per write, size prefixes included
            AbstractRequest metadata = new MetadataRequest.Builder(List.of("checks"), false).build((short) 12);
            RequestHeader metadataHeader = client.header(metadata);
            AbstractRequest versions = Requests.apiVersions((short) 3);
            RequestHeader versionsHeader = client.header(versions);
            byte[] bytes = concat(RawKafkaConnection.frame(metadataHeader, metadata),
                    RawKafkaConnection.frame(versionsHeader, versions));
            for (byte b : bytes) {
                client.write(new byte[] {b});
            }
            // then both are answered, in order
            org.apache.kafka.common.requests.MetadataResponse m = client.receive(metadataHeader);
            assertThat(m.topicMetadata()).as("topics in the metadata answer").singleElement()
                    .satisfies(t -> assertThat(t.topic()).isEqualTo("checks"));
            ApiVersionsResponse v = client.receive(versionsHeader);
            assertThat(v.data().errorCode()).as("error of the ApiVersions answer").isZero();
        }
        assertThat(logs.warnings()).as("warnings for split frames").isEmpty();
        assertWellBehavedClientsUnaffected();
    }

    /**
     * Appends {@code count} requests of five kinds to {@code pipeline}: ApiVersions, Metadata, Produce
     * acks=1, Produce acks=0 (no response) and ListOffsets, at varied versions. Adds the headers that
     * get a response to {@code answered} and the produced values to {@code produced}.
     */
    static void mixedRequests(RawKafkaConnection client, int count, ByteArrayOutputStream pipeline,
                              List<RequestHeader> answered, List<String> produced) {
        for (int i = 0; i < count; i++) {
            String value = "r" + produced.size();
            AbstractRequest request = switch (i % 5) {
                case 0 -> Requests.apiVersions((short) (i % 4));
                case 1 -> new MetadataRequest.Builder(List.of("checks"), true).build((short) (1 + i % 12));
                case 2, 3 -> Requests.produce("checks", 0, Batches.of(1000L, value), (short) (i % 5 == 3 ? 0 : 1),
                        (short) (3 + i % 9));
                default -> ListOffsetsRequest.Builder.forConsumer(false, org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)
                        .setTargetTimes(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName("checks")
                                .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                        .setPartitionIndex(0).setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)))))
                        .build((short) (1 + i % 9));
            };
            RequestHeader header = client.header(request);
            pipeline.writeBytes(RawKafkaConnection.frame(header, request));
            if (i % 5 == 2 || i % 5 == 3) {
                produced.add(value);
            }
            if (i % 5 != 3) {
                answered.add(header);
            }
        }
    }

    void assertAnsweredInOrder(RawKafkaConnection client, List<RequestHeader> answered) throws IOException {
        for (RequestHeader h : answered) {
            AbstractResponse r = client.receive(h); // parseResponse checks the correlation id
            assertThat(r.errorCounts().keySet()).as("errors of %s v%d (correlation id %d)", h.apiKey(),
                    h.apiVersion(), h.correlationId()).containsOnly(Errors.NONE);
        }
    }

    @Test
    void answersPipelinedRequestsInRequestOrderBehindALongPoll() throws IOException {
        Uuid lateId = log.createTopic("late", 1, Map.of()).topicId();
        List<String> produced = new ArrayList<>();
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            // given, in one write: a long-poll fetch on an empty partition, 90 requests of five kinds, and
            // last a produce that gives the fetch its data (fewer than MAX_PENDING: all are read while
            // the long poll holds the head of the line)
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            AbstractRequest longPoll = Requests.fetch(lateId, "late", 0, 0, 30_000, 1, Requests.latest(ApiKeys.FETCH));
            RequestHeader longPollHeader = client.header(longPoll);
            pipeline.writeBytes(RawKafkaConnection.frame(longPollHeader, longPoll));
            List<RequestHeader> answered = new ArrayList<>();
            mixedRequests(client, 90, pipeline, answered, produced);
            AbstractRequest wake = Requests.produce("late", 0, Batches.of(1000L, "wake-up"), (short) 1, (short) 11);
            RequestHeader wakeHeader = client.header(wake);
            pipeline.writeBytes(RawKafkaConnection.frame(wakeHeader, wake));
            answered.add(wakeHeader);
            client.write(pipeline.toByteArray());

            // then the long poll is answered first, with the record of the last request, and every other
            // answer follows in request order
            FetchResponse first = client.receive(longPollHeader);
            assertThat(Requests.values(Requests.onlyPartition(first), RecordBatch.MAGIC_VALUE_V2))
                    .as("records the long poll returned").containsExactly("wake-up");
            assertAnsweredInOrder(client, answered);

            // and 500 more pipelined requests (more than MAX_PENDING) are answered in order too
            pipeline.reset();
            answered.clear();
            mixedRequests(client, 500, pipeline, answered, produced);
            client.write(pipeline.toByteArray());
            assertAnsweredInOrder(client, answered);

            // and the produces were appended in request order, acks=0 ones included
            log.partition("checks", 0).flush();
            FetchResponse all = client.roundTrip(Requests.fetch(checksId, "checks", 0, 0, 0, 1, Requests.latest(ApiKeys.FETCH)));
            assertThat(Requests.values(Requests.onlyPartition(all), RecordBatch.MAGIC_VALUE_V2))
                    .as("records in checks-0").containsExactlyElementsOf(produced);
            bystanderOffset = produced.size();
        }
        assertThat(logs.warnings()).as("warnings for pipelined requests").isEmpty();
        assertWellBehavedClientsUnaffected();
    }

    static Stream<ApiKeys> transactionApis() {
        return Stream.of(ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN,
                ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.WRITE_TXN_MARKERS, ApiKeys.DESCRIBE_TRANSACTIONS,
                ApiKeys.LIST_TRANSACTIONS);
    }

    /** Single-valued error APIs: the error response carries UNSUPPORTED_VERSION even for an empty request. */
    static final Set<ApiKeys> TOP_LEVEL_ERROR = Set.of(ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN,
            ApiKeys.LIST_TRANSACTIONS);

    @ParameterizedTest
    @MethodSource("transactionApis")
    void answersTransactionApisWithUnsupportedVersionAtEveryVersion(ApiKeys api) throws IOException {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            for (short version = api.oldestVersion(); version <= api.latestVersion(false); version++) {
                // given the API's request with default fields, serialized by kafka-clients
                ApiMessage message = ApiMessageType.fromApiKey(api.id).newRequest();
                RequestHeader header = new RequestHeader(api, version, RawKafkaConnection.CLIENT_ID,
                        client.nextCorrelationId());
                client.write(RawKafkaConnection.frame(RequestUtils.serialize(header.data(), header.headerVersion(),
                        message, version)));
                // then the API's own error response comes back on the same connection
                AbstractResponse response = client.receive(header);
                if (TOP_LEVEL_ERROR.contains(api)) {
                    assertThat(response.errorCounts()).as("%s v%d errors", api, version)
                            .containsOnlyKeys(Errors.UNSUPPORTED_VERSION);
                } else {
                    // per-item errors: a request with no items gets an answer with none (NONE at the top)
                    assertThat(response.errorCounts().keySet()).as("%s v%d errors", api, version)
                            .isSubsetOf(Set.of(Errors.UNSUPPORTED_VERSION, Errors.NONE));
                }
            }
            ApiVersionsResponse after = client.roundTrip(Requests.apiVersions((short) 3));
            assertThat(after.data().errorCode()).as("ApiVersions after the %s requests", api).isZero();
        }
        assertThat(logs.warnings()).as("warnings for %s requests", api).isEmpty();
        assertWellBehavedClientsUnaffected();
    }

    @Test
    void answersAddPartitionsToTxnWithUnsupportedVersionForEachPartition() throws IOException {
        try (RawKafkaConnection client = new RawKafkaConnection(server.port())) {
            for (short version = 0; version <= 3; version++) {
                AddPartitionsToTxnRequest request = AddPartitionsToTxnRequest.Builder.forClient("txn-1", 42L, (short) 0,
                        List.of(new TopicPartition("checks", 0))).build(version);
                AddPartitionsToTxnResponse response = client.roundTrip(request);
                assertThat(response.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID))
                        .as("AddPartitionsToTxn v%d partition errors", version)
                        .containsExactly(Map.entry(new TopicPartition("checks", 0), Errors.UNSUPPORTED_VERSION));
            }
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection txns =
                    new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
            txns.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId("txn-1")
                    .setProducerId(42L).setProducerEpoch((short) 0));
            for (short version = 4; version <= ApiKeys.ADD_PARTITIONS_TO_TXN.latestVersion(false); version++) {
                AddPartitionsToTxnResponse response = client.roundTrip(
                        AddPartitionsToTxnRequest.Builder.forBroker(txns.duplicate()).build(version));
                assertThat(response.errorCounts()).as("AddPartitionsToTxn v%d errors", version)
                        .containsOnlyKeys(Errors.UNSUPPORTED_VERSION);
            }
        }
        assertWellBehavedClientsUnaffected();
    }

    @Test
    void clientDisconnectingWithRequestsPendingLeavesNothingWaitingAndNothingLogged() throws IOException {
        // given a topic whose acks=all produces wait up to ten minutes for an fsync, and an empty topic
        log.createTopic("slow", 1, Map.of(TopicConfig.FLUSH_MS, "600000"));
        Uuid emptyId = log.createTopic("empty", 1, Map.of()).topicId();
        try (RawKafkaConnection leaving = new RawKafkaConnection(server.port())) {
            leaving.send(Requests.produce("slow", 0, Batches.of(1000L, "unacknowledged"), (short) -1, (short) 11));
            leaving.send(Requests.fetch(emptyId, "empty", 0, 0, 60_000, 1, Requests.latest(ApiKeys.FETCH)));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fetchWaiters())
                    .as("long-poll fetches waiting").isEqualTo(1));
            assertThat(log.partition("slow", 0).logEndOffset()).as("log end of slow-0 before the client leaves").isOne();
            assertThat(log.partition("slow", 0).highWatermark()).as("high watermark of slow-0 before the fsync").isZero();
        }
        // when the client has gone: the long poll stops waiting at once
        awaitOnlyBystanderConnected();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fetchWaiters())
                .as("long-poll fetches waiting after the client left").isZero());
        // and the produce's durability arriving later writes nothing and logs nothing
        assertThat(log.partition("slow", 0).flush()).as("high watermark of slow-0 after the fsync").isOne();
        assertWellBehavedClientsUnaffected();
        assertThat(logs.warnings()).as("warnings for a client that left with requests pending").isEmpty();
    }

    long fetchWaiters() {
        return ((Number) server.metrics().getGauges().get(KafkaServer.FETCH_WAITERS_GAUGE).getValue()).longValue();
    }

    @Test
    void realProducerAndConsumerCarryOnWhileBadClientsComeAndGo() throws Exception {
        log.createTopic("real", 2, Map.of());
        String bootstrap = "127.0.0.1:" + server.port();
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        int n = 2_000;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<Integer> badPorts = new ArrayList<>();
        List<byte[]> kinds = garbage().map(a -> (byte[]) ((Named<?>) a.get()[0]).getPayload()).toList();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                sent.add(producer.send(new ProducerRecord<>("real", i % 2, null, String.valueOf(i))));
                if (i % 100 == 0) {
                    // while the producer is sending, a bad client connects
                    try (RawKafkaConnection bad = new RawKafkaConnection(server.port())) {
                        bad.write(kinds.get(i / 100 % kinds.size()));
                        assertThat(bad.closedByServer()).as("bad client %d closed", i / 100).isTrue();
                        badPorts.add(bad.localPort());
                    }
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Integer> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition("real", 0), new TopicPartition("real", 1)));
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen.size() < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(Integer.parseInt(r.value()));
                }
            }
        }
        assertThat(seen).as("records consumed").hasSize(n);
        assertThat(new HashSet<>(seen)).as("distinct records consumed").hasSize(n);
        assertThat(seen.stream().mapToInt(Integer::intValue).min().orElseThrow()).as("smallest record").isZero();
        assertThat(seen.stream().mapToInt(Integer::intValue).max().orElseThrow()).as("largest record").isEqualTo(n - 1);
        for (int port : badPorts) {
            assertThat(logs.warningsAbout(port)).as("warnings about the bad client on port %d", port).hasSize(1);
        }
    }
}
