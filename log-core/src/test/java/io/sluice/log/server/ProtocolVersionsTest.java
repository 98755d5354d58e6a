package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every version that Apache Kafka 3.9 supports of each implemented API, spoken on a raw socket with
 * requests serialized and responses parsed by kafka-clients 3.9.1 itself: flexible and non-flexible
 * versions alike, each answered as Kafka answers it.
 */
class ProtocolVersionsTest {
    /** What an Apache Kafka 3.9 broker advertises for these APIs (its ApiVersions response). */
    static final Map<ApiKeys, short[]> KAFKA_39 = new EnumMap<>(Map.of(
            ApiKeys.API_VERSIONS, new short[] {0, 4},
            ApiKeys.METADATA, new short[] {0, 12},
            ApiKeys.PRODUCE, new short[] {0, 11},
            ApiKeys.FETCH, new short[] {0, 17},
            ApiKeys.LIST_OFFSETS, new short[] {0, 9},
            ApiKeys.INIT_PRODUCER_ID, new short[] {0, 5}));

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    RawKafkaConnection client;
    Uuid ordersId;

    @BeforeEach
    void start() throws IOException {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        ordersId = log.createTopic("orders", 2, Map.of()).topicId();
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        client = new RawKafkaConnection(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
        log.close();
    }

    static Stream<Short> versions(ApiKeys api) {
        return IntStream.rangeClosed(api.oldestVersion(), api.latestVersion(false)).mapToObj(v -> (short) v);
    }

    static Stream<Short> apiVersionsVersions() {
        return versions(ApiKeys.API_VERSIONS);
    }

    static Stream<Short> metadataVersions() {
        return versions(ApiKeys.METADATA);
    }

    static Stream<Short> produceVersions() {
        return versions(ApiKeys.PRODUCE);
    }

    static Stream<Short> fetchVersions() {
        return versions(ApiKeys.FETCH);
    }

    static Stream<Short> listOffsetsVersions() {
        return versions(ApiKeys.LIST_OFFSETS);
    }

    static Stream<Short> initProducerIdVersions() {
        return versions(ApiKeys.INIT_PRODUCER_ID);
    }

    Map<ApiKeys, ApiVersion> advertised(short version) throws IOException {
        ApiVersionsResponse response = client.roundTrip(Requests.apiVersions(version));
        assertThat(Errors.forCode(response.data().errorCode())).as("ApiVersions v%d error", version).isEqualTo(Errors.NONE);
        Map<ApiKeys, ApiVersion> byApi = new EnumMap<>(ApiKeys.class);
        for (ApiVersion v : response.data().apiKeys()) {
            assertThat(ApiKeys.hasId(v.apiKey())).as("advertised api key %d is a Kafka API", v.apiKey()).isTrue();
            assertThat(byApi.put(ApiKeys.forId(v.apiKey()), v)).as("api key %d advertised twice", v.apiKey()).isNull();
        }
        return byApi;
    }

    @Test
    void advertisesExactlyTheVersionsKafka39SupportsForEachApi() throws IOException {
        Map<ApiKeys, ApiVersion> advertised = advertised(ApiKeys.API_VERSIONS.latestVersion(false));
        assertThat(advertised.keySet()).as("advertised APIs").containsAll(KAFKA_39.keySet());
        for (ApiVersion v : advertised.values()) {
            ApiKeys api = ApiKeys.forId(v.apiKey());
            assertThat(new short[] {v.minVersion(), v.maxVersion()}).as("advertised versions of %s", api)
                    .containsExactly(api.oldestVersion(), api.latestVersion(false));
        }
        KAFKA_39.forEach((api, range) -> assertThat(new short[] {advertised.get(api).minVersion(),
                advertised.get(api).maxVersion()}).as("advertised versions of %s, as Kafka 3.9 advertises", api)
                .containsExactly(range));
    }

    @Test
    void answersEveryApiItDoesNotAdvertiseWithAnErrorAtEveryVersionAndNeverHangs() throws IOException {
        // "nothing else": an API left out of ApiVersions is really not served
        Set<ApiKeys> advertised = advertised((short) 3).keySet();
        for (ApiKeys api : ApiKeys.values()) {
            if (advertised.contains(api)) {
                continue;
            }
            for (short version = api.oldestVersion(); version <= api.latestVersion(false); version++) {
                ApiMessage message = ApiMessageType.fromApiKey(api.id).newRequest();
                if (!parses(api, message, version)) {
                    continue; // default fields that kafka-clients refuses (DescribeAcls' UNKNOWN filters): Kafka closes too
                }
                RequestHeader header = new RequestHeader(api, version, RawKafkaConnection.CLIENT_ID,
                        client.nextCorrelationId());
                client.write(RawKafkaConnection.frame(RequestUtils.serialize(header.data(), header.headerVersion(),
                        message, version)));
                AbstractResponse response = client.receive(header);
                // (kafka-clients counts a null error for an OffsetFetch v8+ answer without groups)
                assertThat(response.errorCounts().keySet()).as("errors answering %s v%d", api, version)
                        .isSubsetOf(new java.util.HashSet<>(java.util.Arrays.asList(Errors.UNSUPPORTED_VERSION,
                                Errors.NONE, null)));
            }
        }
        assertThat(advertised((short) 3).keySet()).as("APIs advertised after the unsupported requests")
                .isEqualTo(advertised);
    }

    static boolean parses(ApiKeys api, ApiMessage message, short version) {
        try {
            AbstractRequest.parseRequest(api, version, org.apache.kafka.common.protocol.MessageUtil.toByteBuffer(message, version));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "ApiVersions v{0}")
    @MethodSource("apiVersionsVersions")
    void answersApiVersionsAtEveryVersionWithTheSameList(short version) throws IOException {
        Map<ApiKeys, ApiVersion> atVersion = advertised(version);
        Map<ApiKeys, ApiVersion> atLatest = advertised(ApiKeys.API_VERSIONS.latestVersion(false));
        assertThat(atVersion).as("ApiVersions v%d list against the latest version's", version).isEqualTo(atLatest);
    }

    @ParameterizedTest(name = "Metadata v{0}")
    @MethodSource("metadataVersions")
    void answersMetadataAtEveryVersion(short version) throws IOException {
        // named topics: one that exists, one that does not and is auto-created (clients of v0-v3 always allow it)
        String fresh = "fresh-v" + version;
        MetadataResponse named = client.roundTrip(metadata(List.of("orders", fresh), version));
        assertThat(named.brokers()).as("brokers in Metadata v%d", version).singleElement().satisfies(b -> {
            assertThat(b.id()).isZero();
            assertThat(b.host()).isEqualTo("127.0.0.1");
            assertThat(b.port()).isEqualTo(server.port());
        });
        if (version >= 2) {
            assertThat(named.clusterId()).as("cluster id in Metadata v%d", version).isEqualTo("sluice-cluster");
        }
        Map<String, MetadataResponseTopic> topics = named.data().topics().stream()
                .collect(Collectors.toMap(MetadataResponseTopic::name, t -> t));
        assertThat(topics).as("topics in Metadata v%d", version).containsOnlyKeys("orders", fresh);
        MetadataResponseTopic orders = topics.get("orders");
        assertThat(Errors.forCode(orders.errorCode())).as("orders error in Metadata v%d", version).isEqualTo(Errors.NONE);
        assertThat(orders.topicId()).as("orders id in Metadata v%d", version)
                .isEqualTo(version >= 10 ? ordersId : Uuid.ZERO_UUID);
        assertThat(orders.partitions()).as("orders partitions in Metadata v%d", version).hasSize(2)
                .allSatisfy(p -> {
                    assertThat(p.leaderId()).isZero();
                    assertThat(p.replicaNodes()).containsExactly(0);
                    assertThat(p.isrNodes()).containsExactly(0);
                }).extracting(MetadataResponsePartition::partitionIndex).containsExactlyInAnyOrder(0, 1);
        assertThat(log.topic(fresh)).as("auto-created %s", fresh).isPresent();

        // all topics (v0: an empty list; v1+: null)
        MetadataResponse all = client.roundTrip(metadata(null, version));
        assertThat(all.data().topics()).as("topics listed by an all-topics Metadata v%d", version)
                .extracting(MetadataResponseTopic::name).contains("orders", fresh);
    }

    /** Metadata for {@code topics} (null: all topics). The Builder refuses v0, so v0 is built by hand. */
    static MetadataRequest metadata(List<String> topics, short version) {
        if (version == 0) {
            return new MetadataRequest(new MetadataRequestData().setTopics(MetadataRequest
                    .convertToMetadataRequestTopic(topics == null ? List.of() : topics)), version);
        }
        return (topics == null ? MetadataRequest.Builder.allTopics() : new MetadataRequest.Builder(topics, true))
                .build(version);
    }

    static MemoryRecords records(byte magic, Compression compression, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1000L + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(magic, 0L, compression, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                records);
    }

    PartitionProduceResponse produce(MemoryRecords records, short version) throws IOException {
        ProduceResponse response = client.roundTrip(Requests.produce("orders", 0, records, (short) -1, version));
        return response.data().responses().find("orders").partitionResponses().get(0);
    }

    @ParameterizedTest(name = "Produce v{0}")
    @MethodSource("produceVersions")
    void answersProduceAtEveryVersion(short version) throws IOException {
        if (version < 3) {
            // given the message format of the version (v0, v1: magic 0; v2: magic 1), which log-core does not
            // store: refused for the partition with Kafka's error, the connection stays open
            byte magic = ProduceRequest.requiredMagicForVersion(version);
            PartitionProduceResponse old = produce(records(magic, Compression.NONE, "old"), version);
            assertThat(Errors.forCode(old.errorCode())).as("Produce v%d of magic %d", version, magic)
                    .isIn(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT, Errors.CORRUPT_MESSAGE);
            assertThat(old.baseOffset()).as("offset of refused Produce v%d", version).isEqualTo(-1);
        }
        // magic 2 batches at every version (Kafka checks the format only from v3 on)
        PartitionProduceResponse first = produce(records(RecordBatch.MAGIC_VALUE_V2, Compression.NONE, "a", "b"), version);
        PartitionProduceResponse second = produce(records(RecordBatch.MAGIC_VALUE_V2, Compression.NONE, "c"), version);
        assertThat(Errors.forCode(first.errorCode())).as("Produce v%d error", version).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(second.errorCode())).as("Produce v%d error", version).isEqualTo(Errors.NONE);
        assertThat(new long[] {first.baseOffset(), second.baseOffset()}).as("Produce v%d base offsets", version)
                .containsExactly(0, 2);
        if (version >= 2) {
            assertThat(second.logAppendTimeMs()).as("log append time (CreateTime topic) in Produce v%d", version)
                    .isEqualTo(-1);
        }
        if (version >= 5) {
            assertThat(second.logStartOffset()).as("log start offset in Produce v%d", version).isZero();
        }
        PartitionLog p = log.partition("orders", 0);
        assertThat(p.logEndOffset()).as("log end of orders-0 after Produce v%d", version).isEqualTo(3);
    }

    @Test
    void refusesZstdBeforeProduceV7AsKafkaDoes() throws IOException {
        for (short version = 3; version <= ApiKeys.PRODUCE.latestVersion(false); version++) {
            PartitionProduceResponse r = produce(records(RecordBatch.MAGIC_VALUE_V2, Compression.zstd().build(), "z"), version);
            assertThat(Errors.forCode(r.errorCode())).as("zstd batch in Produce v%d", version)
                    .isEqualTo(version < 7 ? Errors.UNSUPPORTED_COMPRESSION_TYPE : Errors.NONE);
        }
        assertThat(log.partition("orders", 0).logEndOffset()).as("zstd records appended (v7 to v11)")
                .isEqualTo(ApiKeys.PRODUCE.latestVersion(false) - 7 + 1);
    }

    @Test
    void refusesOldMessageFormatFromProduceV3AsKafkaDoes() throws IOException {
        for (short version = 3; version <= ApiKeys.PRODUCE.latestVersion(false); version++) {
            PartitionProduceResponse r = produce(records(RecordBatch.MAGIC_VALUE_V1, Compression.NONE, "v1"), version);
            assertThat(Errors.forCode(r.errorCode())).as("magic 1 batch in Produce v%d", version)
                    .isEqualTo(Errors.INVALID_RECORD);
        }
        assertThat(log.partition("orders", 0).logEndOffset()).as("records appended").isZero();
    }

    FetchResponseData.PartitionData fetch(Uuid topicId, String topic, long offset, short version) throws IOException {
        FetchRequest.PartitionData pd = new FetchRequest.PartitionData(topicId, offset, -1, 1024 * 1024, Optional.empty());
        FetchRequest request = FetchRequest.Builder.forConsumer(version, 0, 1, Map.of(new TopicPartition(topic, 0), pd))
                .build(version);
        FetchResponse response = client.roundTrip(request);
        assertThat(Errors.forCode(response.data().errorCode())).as("Fetch v%d top-level error", version)
                .isEqualTo(Errors.NONE);
        return Requests.onlyPartition(response);
    }

    @ParameterizedTest(name = "Fetch v{0}")
    @MethodSource("fetchVersions")
    void answersFetchAtEveryVersionDownConvertingForVersionsBefore4(short version) throws IOException {
        // given three records in two batches
        PartitionLog p = log.partition("orders", 0);
        p.append(Batches.of(1000L, "a", "b"));
        p.append(Batches.of(2000L, "c"));
        p.flush();
        // v0-v1 read magic 0, v2-v3 magic 1 (down-converted, as Kafka does), v4+ the stored magic 2 batches
        byte magic = version <= 1 ? RecordBatch.MAGIC_VALUE_V0 : version <= 3 ? RecordBatch.MAGIC_VALUE_V1
                : RecordBatch.MAGIC_VALUE_V2;
        FetchResponseData.PartitionData fromStart = fetch(ordersId, "orders", 0, version);
        assertThat(Errors.forCode(fromStart.errorCode())).as("Fetch v%d error", version).isEqualTo(Errors.NONE);
        assertThat(fromStart.highWatermark()).as("high watermark in Fetch v%d", version).isEqualTo(3);
        assertThat(Requests.values(fromStart, magic)).as("values in Fetch v%d", version).containsExactly("a", "b", "c");
        if (version >= 4) {
            assertThat(fromStart.lastStableOffset()).as("last stable offset in Fetch v%d", version).isEqualTo(3);
        }
        if (version >= 5) {
            assertThat(fromStart.logStartOffset()).as("log start offset in Fetch v%d", version).isZero();
        }
        // from the middle of a batch: old formats start at the offset, v2 batches are sent whole
        FetchResponseData.PartitionData fromMiddle = fetch(ordersId, "orders", 1, version);
        assertThat(Requests.values(fromMiddle, magic)).as("values from offset 1 in Fetch v%d", version)
                .containsExactlyElementsOf(version <= 3 ? List.of("b", "c") : List.of("a", "b", "c"));
        // an unknown topic: by name before v13, by id from v13
        FetchResponseData.PartitionData unknown = fetch(Uuid.randomUuid(), "no-such-topic", 0, version);
        assertThat(Errors.forCode(unknown.errorCode())).as("unknown topic in Fetch v%d", version)
                .isEqualTo(version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    ListOffsetsPartitionResponse listOffsets(long timestamp, short version) throws IOException {
        ListOffsetsRequest request = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName("orders").setPartitions(
                        List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                                .setTimestamp(timestamp)))))
                .build(version);
        ListOffsetsResponse response = client.roundTrip(request);
        ListOffsetsPartitionResponse p = response.data().topics().get(0).partitions().get(0);
        assertThat(Errors.forCode(p.errorCode())).as("ListOffsets v%d error for timestamp %d", version, timestamp)
                .isEqualTo(Errors.NONE);
        return p;
    }

    static long offsetOf(ListOffsetsPartitionResponse p, short version) {
        if (version == 0) {
            assertThat(p.oldStyleOffsets()).as("old-style offsets of ListOffsets v0").hasSize(1);
            return p.oldStyleOffsets().get(0);
        }
        return p.offset();
    }

    @ParameterizedTest(name = "ListOffsets v{0}")
    @MethodSource("listOffsetsVersions")
    void answersListOffsetsAtEveryVersion(short version) throws IOException {
        PartitionLog p = log.partition("orders", 0);
        p.append(Batches.timed(new long[] {1000, 2000, 3000}, "t"));
        p.flush();
        assertThat(offsetOf(listOffsets(ListOffsetsRequest.EARLIEST_TIMESTAMP, version), version))
                .as("earliest offset in ListOffsets v%d", version).isZero();
        assertThat(offsetOf(listOffsets(ListOffsetsRequest.LATEST_TIMESTAMP, version), version))
                .as("latest offset in ListOffsets v%d", version).isEqualTo(3);
        if (version >= 1) {
            ListOffsetsPartitionResponse byTime = listOffsets(2000, version);
            assertThat(new long[] {byTime.offset(), byTime.timestamp()}).as("offset and timestamp for 2000 in ListOffsets v%d",
                    version).containsExactly(1, 2000);
            assertThat(byTime.leaderEpoch()).as("leader epoch in ListOffsets v%d", version)
                    .isEqualTo(version >= 4 ? p.leaderEpoch() : -1);
        }
        if (version >= 7) {
            ListOffsetsPartitionResponse max = listOffsets(ListOffsetsRequest.MAX_TIMESTAMP, version);
            assertThat(new long[] {max.offset(), max.timestamp()}).as("max timestamp in ListOffsets v%d", version)
                    .containsExactly(2, 3000);
        }
    }

    @ParameterizedTest(name = "InitProducerId v{0}")
    @MethodSource("initProducerIdVersions")
    void answersInitProducerIdAtEveryVersionWithFreshIds(short version) throws IOException {
        Map<Long, Short> ids = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            InitProducerIdResponse r = client.roundTrip(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                    .setTransactionalId(null).setTransactionTimeoutMs(60_000)).build(version));
            assertThat(r.error()).as("InitProducerId v%d error", version).isEqualTo(Errors.NONE);
            ids.put(r.data().producerId(), r.data().producerEpoch());
        }
        assertThat(ids).as("producer ids and epochs from two InitProducerId v%d", version).hasSize(2)
                .allSatisfy((id, epoch) -> {
                    assertThat(id).isNotNegative();
                    assertThat(epoch).isZero();
                });
    }
}
