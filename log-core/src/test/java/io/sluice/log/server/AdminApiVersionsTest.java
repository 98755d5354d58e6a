package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version kafka-clients 3.9 has of each admin API, sent as raw requests over one connection: each
 * is parsed, handled and answered in the shape of its version.
 */
class AdminApiVersionsTest {
    static final List<ApiKeys> ADMIN_APIS = List.of(ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS,
            ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS);

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    RawClient client;

    @BeforeEach
    void start() throws IOException {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withAutoCreateTopics(false, 3), log);
        client = new RawClient(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
        log.close();
    }

    @Test
    void advertisesEveryVersionKafkaHasOfEachAdminApi() throws IOException {
        ApiVersionsResponse r = client.send(new ApiVersionsRequest(new ApiVersionsRequestData()
                .setClientSoftwareName("raw").setClientSoftwareVersion("1"), (short) 3));

        for (ApiKeys api : ADMIN_APIS) {
            ApiVersion v = r.data().apiKeys().find(api.id);
            assertThat(v).as("%s advertised", api).isNotNull();
            assertThat(v.minVersion()).as("oldest %s version", api).isEqualTo(api.oldestVersion());
            assertThat(v.maxVersion()).as("latest %s version", api).isEqualTo(api.latestVersion());
        }
    }

    @Test
    void createTopicsAnswersEveryVersion() throws IOException {
        for (short v = ApiKeys.CREATE_TOPICS.oldestVersion(); v <= ApiKeys.CREATE_TOPICS.latestVersion(); v++) {
            String name = "create-v" + v;
            CreatableTopic topic = new CreatableTopic().setName(name).setNumPartitions(v >= 4 ? -1 : 2)
                    .setReplicationFactor((short) (v >= 4 ? -1 : 1));
            topic.configs().add(new CreatableTopicConfig().setName(TopicConfig.RETENTION_MS).setValue("1234"));
            CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(5000);
            data.topics().add(topic);

            CreateTopicsResponse r = client.send(new CreateTopicsRequest(data, v));

            CreatableTopicResult result = r.data().topics().find(name);
            int partitions = v >= 4 ? 3 : 2;
            assertThat(result.errorCode()).as("error of %s at v%d", name, v).isEqualTo(Errors.NONE.code());
            assertThat(log.topic(name)).as("topic %s created at v%d", name, v).isPresent();
            assertThat(log.topic(name).get().partitions()).as("partitions of %s", name).isEqualTo(partitions);
            assertThat(log.topic(name).get().config().overrides()).containsEntry(TopicConfig.RETENTION_MS, "1234");
            if (v >= 5) {
                assertThat(result.numPartitions()).as("numPartitions at v%d", v).isEqualTo(partitions);
                assertThat(result.replicationFactor()).as("replicationFactor at v%d", v).isEqualTo((short) 1);
                CreatableTopicConfigs retention = result.configs().stream()
                        .filter(c -> c.name().equals(TopicConfig.RETENTION_MS)).findFirst().orElseThrow();
                assertThat(retention.value()).isEqualTo("1234");
                assertThat(retention.configSource()).isEqualTo(ConfigSource.TOPIC_CONFIG.id());
            }
            assertThat(result.topicId()).as("topic id at v%d", v)
                    .isEqualTo(v >= 7 ? log.topic(name).get().topicId() : Uuid.ZERO_UUID);

            CreateTopicsRequestData again = new CreateTopicsRequestData().setTimeoutMs(5000).setValidateOnly(v >= 1);
            again.topics().add(new CreatableTopic().setName(name).setNumPartitions(1).setReplicationFactor((short) 1));
            CreatableTopicResult exists = client.<CreateTopicsResponse>send(new CreateTopicsRequest(again, v)).data().topics().find(name);
            assertThat(exists.errorCode()).as("creating %s again at v%d", name, v).isEqualTo(Errors.TOPIC_ALREADY_EXISTS.code());
            if (v >= 1) { // v0 has no error message on the wire
                assertThat(exists.errorMessage()).as("error message at v%d", v).isEqualTo("Topic '" + name + "' already exists.");
            }
        }
    }

    @Test
    void createTopicsRefusesDuplicatesAndMixedAssignmentsPerTopic() throws IOException {
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(5000);
        data.topics().add(new CreatableTopic().setName("twice").setNumPartitions(1).setReplicationFactor((short) 1));
        data.topics().add(new CreatableTopic().setName("twice").setNumPartitions(2).setReplicationFactor((short) 1));
        CreatableTopic mixed = new CreatableTopic().setName("mixed").setNumPartitions(2).setReplicationFactor((short) -1);
        mixed.assignments().add(new CreateTopicsRequestData.CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(List.of(0)));
        data.topics().add(mixed);
        data.topics().add(new CreatableTopic().setName("zero").setNumPartitions(0).setReplicationFactor((short) 1));

        CreateTopicsResponse r = client.send(new CreateTopicsRequest(data, ApiKeys.CREATE_TOPICS.latestVersion()));

        assertThat(r.data().topics().findAll("twice")).hasSize(1);
        assertThat(r.data().topics().find("twice").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(r.data().topics().find("mixed").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(r.data().topics().find("zero").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(log.topics()).as("topics after refused creations").isEmpty();
    }

    @Test
    void deleteTopicsAnswersEveryVersionByNameAndFromV6ById() throws IOException {
        for (short v = ApiKeys.DELETE_TOPICS.oldestVersion(); v <= ApiKeys.DELETE_TOPICS.latestVersion(); v++) {
            String name = "delete-v" + v;
            Uuid id = log.createTopic(name, 1, Map.of()).topicId();
            DeleteTopicsRequestData data = new DeleteTopicsRequestData().setTimeoutMs(5000);
            if (v >= 6) {
                data.setTopics(List.of(new DeleteTopicState().setTopicId(id),
                        new DeleteTopicState().setTopicId(Uuid.randomUuid())));
            } else {
                data.setTopicNames(List.of(name, "missing"));
            }

            DeleteTopicsResponse r = client.send(new DeleteTopicsRequest.Builder(data).build(v));

            assertThat(log.topic(name)).as("topic %s after delete at v%d", name, v).isEmpty();
            List<DeletableTopicResult> results = List.copyOf(r.data().responses());
            assertThat(results).hasSize(2);
            DeletableTopicResult deleted = results.stream().filter(t -> name.equals(t.name())).findFirst().orElseThrow();
            assertThat(deleted.errorCode()).as("error deleting %s at v%d", name, v).isEqualTo(Errors.NONE.code());
            DeletableTopicResult unknown = results.stream().filter(t -> !name.equals(t.name())).findFirst().orElseThrow();
            assertThat(unknown.errorCode()).as("error deleting an unknown topic at v%d", v)
                    .isEqualTo(v >= 6 ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            if (v >= 6) {
                assertThat(deleted.topicId()).isEqualTo(id);
            }
        }
    }

    @Test
    void createPartitionsAnswersEveryVersion() throws IOException {
        log.createTopic("grow", 1, Map.of());
        for (short v = ApiKeys.CREATE_PARTITIONS.oldestVersion(); v <= ApiKeys.CREATE_PARTITIONS.latestVersion(); v++) {
            int count = v + 2;
            CreatePartitionsRequestData data = new CreatePartitionsRequestData().setTimeoutMs(5000);
            data.topics().add(new CreatePartitionsTopic().setName("grow").setCount(count).setAssignments(null));
            CreatePartitionsRequestData dry = new CreatePartitionsRequestData().setTimeoutMs(5000).setValidateOnly(true);
            dry.topics().add(new CreatePartitionsTopic().setName("grow").setCount(count + 10).setAssignments(null));
            CreatePartitionsRequestData shrink = new CreatePartitionsRequestData().setTimeoutMs(5000);
            shrink.topics().add(new CreatePartitionsTopic().setName("grow").setCount(1).setAssignments(null));

            CreatePartitionsResponse grown = client.send(new CreatePartitionsRequest.Builder(data).build(v));
            CreatePartitionsResponse validated = client.send(new CreatePartitionsRequest.Builder(dry).build(v));
            CreatePartitionsResponse refused = client.send(new CreatePartitionsRequest.Builder(shrink).build(v));

            assertThat(grown.data().results().get(0).errorCode()).as("growing to %d at v%d", count, v).isEqualTo(Errors.NONE.code());
            assertThat(validated.data().results().get(0).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(refused.data().results().get(0).errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
            assertThat(log.topic("grow").orElseThrow().partitions()).as("partitions after v%d", v).isEqualTo(count);
        }
    }

    @Test
    void describeConfigsAnswersEveryVersionInItsShape() throws IOException {
        log.createTopic("cfg", 1, Map.of(TopicConfig.RETENTION_MS, "5000"));
        for (short v = ApiKeys.DESCRIBE_CONFIGS.oldestVersion(); v <= ApiKeys.DESCRIBE_CONFIGS.latestVersion(); v++) {
            DescribeConfigsRequestData data = new DescribeConfigsRequestData().setIncludeSynonyms(v >= 1)
                    .setIncludeDocumentation(v >= 3);
            data.resources().add(resource(ConfigResource.Type.TOPIC, "cfg", null));
            data.resources().add(resource(ConfigResource.Type.TOPIC, "cfg", List.of(TopicConfig.RETENTION_MS, "no.such.key")));
            data.resources().add(resource(ConfigResource.Type.TOPIC, "absent", null));
            data.resources().add(resource(ConfigResource.Type.BROKER, "", null));
            data.resources().add(resource(ConfigResource.Type.BROKER, "7", null));
            data.resources().add(resource(ConfigResource.Type.BROKER_LOGGER, "0", null));

            DescribeConfigsResponse r = client.send(new DescribeConfigsRequest(data, v));

            List<DescribeConfigsResult> results = r.data().results();
            assertThat(results).extracting(DescribeConfigsResult::errorCode).as("errors at v%d", v).containsExactly(
                    Errors.NONE.code(), Errors.NONE.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), Errors.NONE.code(),
                    Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code());
            DescribeConfigsResourceResult retention = config(results.get(0), TopicConfig.RETENTION_MS);
            DescribeConfigsResourceResult segment = config(results.get(0), TopicConfig.SEGMENT_BYTES);
            assertThat(retention.value()).isEqualTo("5000");
            assertThat(segment.value()).isEqualTo("1073741824");
            if (v == 0) {
                assertThat(retention.isDefault()).as("retention.ms isDefault at v0").isFalse();
                assertThat(segment.isDefault()).as("segment.bytes isDefault at v0").isTrue();
            } else {
                assertThat(retention.configSource()).as("source at v%d", v).isEqualTo(ConfigSource.TOPIC_CONFIG.id());
                assertThat(segment.configSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG.id());
                assertThat(retention.synonyms()).as("synonyms at v%d", v).hasSize(2);
            }
            if (v >= 3) {
                assertThat(retention.documentation()).as("documentation at v%d", v).isNotBlank();
                assertThat(retention.configType()).isEqualTo(ConfigType.LONG.id());
            }
            assertThat(results.get(1).configs()).extracting(DescribeConfigsResourceResult::name)
                    .as("configs filtered by name at v%d", v).containsExactly(TopicConfig.RETENTION_MS);
            assertThat(results.get(3).configs()).as("cluster-wide dynamic broker defaults").isEmpty();
        }
    }

    @Test
    void incrementalAlterConfigsAnswersEveryVersion() throws IOException {
        log.createTopic("inc", 1, Map.of());
        for (short v = ApiKeys.INCREMENTAL_ALTER_CONFIGS.oldestVersion(); v <= ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion(); v++) {
            String retention = String.valueOf(1000 + v);
            IncrementalAlterConfigsRequestData data = new IncrementalAlterConfigsRequestData();
            IncrementalAlterConfigsRequestData.AlterConfigsResource topic = new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("inc");
            topic.configs().add(new AlterableConfig().setName(TopicConfig.RETENTION_MS).setValue(retention).setConfigOperation((byte) 0));
            data.resources().add(topic);
            IncrementalAlterConfigsRequestData.AlterConfigsResource broker = new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("0");
            broker.configs().add(new AlterableConfig().setName("num.partitions").setValue("9").setConfigOperation((byte) 0));
            data.resources().add(broker);

            IncrementalAlterConfigsResponse r = client.send(new IncrementalAlterConfigsRequest(data, v));

            assertThat(r.data().responses()).extracting(x -> x.errorCode()).as("errors at v%d", v)
                    .containsExactly(Errors.NONE.code(), Errors.INVALID_REQUEST.code());
            assertThat(log.partition("inc", 0).config().retentionMs()).as("retention.ms after v%d", v)
                    .isEqualTo(Long.parseLong(retention));
        }
    }

    @Test
    void alterConfigsAnswersEveryVersionAndReplacesTheOverrides() throws IOException {
        log.createTopic("legacy", 1, Map.of(TopicConfig.SEGMENT_MS, "60000"));
        for (short v = ApiKeys.ALTER_CONFIGS.oldestVersion(); v <= ApiKeys.ALTER_CONFIGS.latestVersion(); v++) {
            String retention = String.valueOf(2000 + v);
            AlterConfigsRequestData data = new AlterConfigsRequestData();
            AlterConfigsRequestData.AlterConfigsResource topic = new AlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("legacy");
            topic.configs().add(new AlterConfigsRequestData.AlterableConfig().setName(TopicConfig.RETENTION_MS).setValue(retention));
            data.resources().add(topic);
            AlterConfigsRequestData.AlterConfigsResource twice = topic.duplicate();
            AlterConfigsRequestData dup = new AlterConfigsRequestData();
            dup.resources().add(topic.duplicate());
            dup.resources().add(twice);

            AlterConfigsResponse r = client.send(new AlterConfigsRequest(data, v));
            AlterConfigsResponse duplicated = client.send(new AlterConfigsRequest(dup, v));

            assertThat(r.data().responses().get(0).errorCode()).as("error at v%d", v).isEqualTo(Errors.NONE.code());
            assertThat(log.topic("legacy").orElseThrow().config().overrides()).as("overrides after v%d", v)
                    .containsOnly(Map.entry(TopicConfig.RETENTION_MS, retention));
            assertThat(duplicated.data().responses()).extracting(x -> x.errorCode())
                    .containsExactly(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code());
        }
    }

    private static DescribeConfigsResource resource(ConfigResource.Type type, String name, List<String> keys) {
        return new DescribeConfigsResource().setResourceType(type.id()).setResourceName(name).setConfigurationKeys(keys);
    }

    private static DescribeConfigsResourceResult config(DescribeConfigsResult result, String name) {
        return result.configs().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no config " + name + " in " + result.resourceName()));
    }

    /** A blocking Kafka-protocol client: one request at a time, length-prefixed frames. */
    static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;
        private int correlationId;

        RawClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
        }

        @SuppressWarnings("unchecked")
        <R extends AbstractResponse> R send(AbstractRequest request) throws IOException {
            RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-admin-test", ++correlationId);
            ByteBuffer frame = request.serializeWithHeader(header);
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
