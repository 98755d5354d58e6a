package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.TopicDescription;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Kafka AdminClient creating, describing, altering and deleting topics through the server. */
class AdminApisTest {
    static final String BROKER_RETENTION_BYTES = "1000000000";

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    Admin admin;

    @BeforeEach
    void start() {
        startServer();
    }

    @AfterEach
    void stop() {
        stopServer();
    }

    /** A log whose topic defaults set retention.bytes (Kafka's static broker config) and 2 default partitions. */
    private void startServer() {
        log = LogManager.open(LogManagerConfig.defaults(dir)
                .withTopicDefaults(TopicConfig.of(Map.of(TopicConfig.RETENTION_BYTES, BROKER_RETENTION_BYTES))));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withAutoCreateTopics(false, 2), log);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        admin = Admin.create(p);
    }

    private void stopServer() {
        admin.close();
        server.close();
        log.close();
    }

    private void restart() {
        stopServer();
        startServer();
    }

    private static Throwable causeOf(KafkaFuture<?> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the admin call to fail, but it succeeded");
    }

    private Config topicConfig(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r);
    }

    private void alter(String topic, AlterConfigOp... ops) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(r, List.of(ops))).all().get();
    }

    private static AlterConfigOp op(String key, String value, OpType type) {
        return new AlterConfigOp(new ConfigEntry(key, value), type);
    }

    // ---------------------------------------------------------------- CreateTopics

    @Test
    void createsTopicWithConfigsAndAnswersItsPartitionsIdAndConfigs() throws Exception {
        NewTopic orders = new NewTopic("orders", 3, (short) 1)
                .configs(Map.of(TopicConfig.RETENTION_MS, "60000", TopicConfig.CLEANUP_POLICY, "compact"));

        CreateTopicsResult result = admin.createTopics(List.of(orders));

        result.all().get();
        TopicDescription created = log.topic("orders").orElseThrow();
        assertThat(created.partitions()).as("partitions of orders in the log").isEqualTo(3);
        assertThat(created.config().overrides()).as("overrides of orders in the log")
                .containsOnly(Map.entry(TopicConfig.RETENTION_MS, "60000"), Map.entry(TopicConfig.CLEANUP_POLICY, "compact"));
        assertThat(log.partition("orders", 2).config().retentionMs()).as("retention.ms of orders-2").isEqualTo(60_000);
        assertThat(log.partition("orders", 0).config().compact()).as("orders-0 is compacted").isTrue();
        assertThat(Files.isDirectory(dir.resolve("orders-2"))).as("directory orders-2").isTrue();
        assertThat(result.numPartitions("orders").get()).isEqualTo(3);
        assertThat(result.replicationFactor("orders").get()).isEqualTo(1);
        assertThat(result.topicId("orders").get()).as("topic id in the result").isEqualTo(created.topicId());
        Config configs = result.config("orders").get();
        assertThat(configs.get(TopicConfig.RETENTION_MS).value()).isEqualTo("60000");
        assertThat(configs.get(TopicConfig.RETENTION_MS).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(configs.get(TopicConfig.SEGMENT_BYTES).source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(configs.get(TopicConfig.RETENTION_BYTES).value()).isEqualTo(BROKER_RETENTION_BYTES);
        assertThat(configs.get(TopicConfig.RETENTION_BYTES).source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
    }

    @Test
    void createWithoutCountsUsesTheServersDefaultPartitions() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("defaults", Optional.empty(), Optional.empty())));

        assertThat(result.numPartitions("defaults").get()).as("partitions answered").isEqualTo(2);
        assertThat(log.topic("defaults").orElseThrow().partitions()).as("partitions in the log (num.partitions)").isEqualTo(2);
    }

    @Test
    void validateOnlyChecksButCreatesNothing() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("dry", 4, (short) 1)
                .configs(Map.of(TopicConfig.SEGMENT_BYTES, "1048576"))), new CreateTopicsOptions().validateOnly(true));

        assertThat(result.numPartitions("dry").get()).isEqualTo(4);
        assertThat(result.config("dry").get().get(TopicConfig.SEGMENT_BYTES).value()).isEqualTo("1048576");
        assertThat(log.topic("dry")).as("topic dry after validateOnly").isEmpty();
        assertThat(dir.resolve("dry-0")).as("partition directory after validateOnly").doesNotExist();
        Throwable bad = causeOf(admin.createTopics(List.of(new NewTopic("dry", 1, (short) 1)
                .configs(Map.of(TopicConfig.SEGMENT_BYTES, "tiny"))), new CreateTopicsOptions().validateOnly(true)).all());
        assertThat(bad).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("segment.bytes");
    }

    @Test
    void creatingAnExistingTopicFailsAndLeavesItAlone() throws Exception {
        Uuid id = log.createTopic("taken", 1, Map.of()).topicId();

        Throwable error = causeOf(admin.createTopics(List.of(new NewTopic("taken", 5, (short) 1))).all());

        assertThat(error).isInstanceOf(TopicExistsException.class).hasMessageContaining("taken");
        assertThat(log.topic("taken").orElseThrow().partitions()).isEqualTo(1);
        assertThat(log.topic("taken").orElseThrow().topicId()).isEqualTo(id);
    }

    @Test
    void replicationBeyondOneIsRefusedOnASingleNode() {
        Throwable error = causeOf(admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all());

        assertThat(error).isInstanceOf(InvalidReplicationFactorException.class).hasMessageContaining("single node");
        assertThat(log.topic("replicated")).isEmpty();
    }

    @Test
    void unknownOrInvalidConfigsAndBadNamesAreRefusedPerTopic() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(
                new NewTopic("unknown-key", 1, (short) 1).configs(Map.of("retention.forever", "yes")),
                new NewTopic("bad-value", 1, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS, "soon")),
                new NewTopic("bad-passive", 1, (short) 1).configs(Map.of("min.insync.replicas", "one")),
                new NewTopic("bad/name", 1, (short) 1),
                new NewTopic("fine", 1, (short) 1).configs(Map.of("min.insync.replicas", "1"))));

        assertThat(causeOf(result.values().get("unknown-key"))).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("retention.forever");
        assertThat(causeOf(result.values().get("bad-value"))).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("retention.ms");
        assertThat(causeOf(result.values().get("bad-passive"))).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("min.insync.replicas");
        assertThat(causeOf(result.values().get("bad/name"))).isInstanceOf(InvalidTopicException.class);
        result.values().get("fine").get();
        assertThat(log.topics()).extracting(TopicDescription::name).containsExactly("fine");
    }

    @Test
    void manualAssignmentIsAcceptedOnlyOnThisNode() throws Exception {
        admin.createTopics(List.of(new NewTopic("assigned", Map.of(0, List.of(0), 1, List.of(0))))).all().get();
        Throwable elsewhere = causeOf(admin.createTopics(List.of(new NewTopic("elsewhere", Map.of(0, List.of(1))))).all());

        assertThat(log.topic("assigned").orElseThrow().partitions()).isEqualTo(2);
        assertThat(elsewhere).isInstanceOf(InvalidReplicaAssignmentException.class).hasMessageContaining("broker 1");
        assertThat(log.topic("elsewhere")).isEmpty();
    }

    // ---------------------------------------------------------------- listing and describing

    @Test
    void listsAndDescribesTopicsByNameAndById() throws Exception {
        Uuid a = log.createTopic("alpha", 2, Map.of()).topicId();
        Uuid b = log.createTopic("beta", 1, Map.of()).topicId();

        Set<String> names = admin.listTopics().names().get();
        Map<String, org.apache.kafka.clients.admin.TopicDescription> byName =
                admin.describeTopics(List.of("alpha", "beta")).allTopicNames().get();
        Map<Uuid, org.apache.kafka.clients.admin.TopicDescription> byId =
                admin.describeTopics(TopicCollection.ofTopicIds(List.of(a, b))).allTopicIds().get();

        assertThat(names).containsExactlyInAnyOrder("alpha", "beta");
        assertThat(byName.get("alpha").topicId()).isEqualTo(a);
        assertThat(byName.get("alpha").partitions()).hasSize(2);
        assertThat(byName.get("alpha").partitions().get(1).leader().id()).isZero();
        assertThat(byName.get("alpha").partitions().get(1).replicas()).hasSize(1);
        assertThat(byId.get(b).name()).isEqualTo("beta");
        assertThat(byId.get(a).name()).isEqualTo("alpha");
    }

    @Test
    void describesEveryTopicConfigWithValueSourceSynonymsAndDocumentation() throws Exception {
        log.createTopic("described", 1, Map.of(TopicConfig.RETENTION_MS, "5000"));
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "described");

        Config config = admin.describeConfigs(List.of(r),
                new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true)).all().get().get(r);

        assertThat(config.entries()).extracting(ConfigEntry::name)
                .containsAll(TopicConfig.defaultValues().keySet()).contains("min.insync.replicas", "compression.type");
        ConfigEntry retention = config.get(TopicConfig.RETENTION_MS);
        assertThat(retention.value()).isEqualTo("5000");
        assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.isReadOnly()).isFalse();
        assertThat(retention.synonyms()).extracting(ConfigEntry.ConfigSynonym::name, ConfigEntry.ConfigSynonym::value,
                        ConfigEntry.ConfigSynonym::source)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("retention.ms", "5000", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG),
                        org.assertj.core.groups.Tuple.tuple("log.retention.ms", "604800000", ConfigEntry.ConfigSource.DEFAULT_CONFIG));
        assertThat(retention.documentation()).isNotBlank();
        assertThat(retention.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        ConfigEntry segment = config.get(TopicConfig.SEGMENT_BYTES);
        assertThat(segment.value()).isEqualTo("1073741824");
        assertThat(segment.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(segment.isDefault()).isTrue();
        ConfigEntry bytes = config.get(TopicConfig.RETENTION_BYTES);
        assertThat(bytes.value()).isEqualTo(BROKER_RETENTION_BYTES);
        assertThat(bytes.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(config.get(TopicConfig.CLEANUP_POLICY).type()).isEqualTo(ConfigEntry.ConfigType.LIST);
    }

    @Test
    void describingAnUnknownTopicsConfigsFails() {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "nowhere");

        Throwable error = causeOf(admin.describeConfigs(List.of(r)).all());

        assertThat(error).isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describesTheBrokersReadOnlyConfigs() throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.BROKER, "0");

        Config config = admin.describeConfigs(List.of(r)).all().get().get(r);

        assertThat(config.get("node.id").value()).isEqualTo("0");
        assertThat(config.get("log.dirs").value()).isEqualTo(dir.toAbsolutePath().toString());
        assertThat(config.get("listeners").value()).isEqualTo("PLAINTEXT://127.0.0.1:" + server.port());
        assertThat(config.get("num.partitions").value()).isEqualTo("2");
        assertThat(config.get("num.partitions").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
        assertThat(config.get("socket.request.max.bytes").value()).isEqualTo(String.valueOf(100 * 1024 * 1024));
        assertThat(config.get("log.retention.bytes").value()).isEqualTo(BROKER_RETENTION_BYTES);
        assertThat(config.get("log.retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(config.entries()).allSatisfy(e -> assertThat(e.isReadOnly()).as("%s is read-only", e.name()).isTrue());
    }

    // ---------------------------------------------------------------- altering configs

    @Test
    void incrementalSetAndDeleteReachTheRunningPartitions() throws Exception {
        log.createTopic("tuned", 2, Map.of());

        alter("tuned", op(TopicConfig.RETENTION_MS, "5000", OpType.SET), op(TopicConfig.FLUSH_MESSAGES, "1", OpType.SET));

        assertThat(log.partition("tuned", 1).config().retentionMs()).as("retention.ms of tuned-1 after SET").isEqualTo(5000);
        assertThat(log.partition("tuned", 0).config().flushMessages()).as("flush.messages of tuned-0 after SET").isEqualTo(1);
        assertThat(topicConfig("tuned").get(TopicConfig.RETENTION_MS).value()).isEqualTo("5000");

        alter("tuned", op(TopicConfig.RETENTION_MS, null, OpType.DELETE));

        assertThat(log.partition("tuned", 1).config().retentionMs()).as("retention.ms of tuned-1 after DELETE")
                .isEqualTo(604_800_000L);
        assertThat(log.topic("tuned").orElseThrow().config().overrides()).containsOnlyKeys(TopicConfig.FLUSH_MESSAGES);
        assertThat(topicConfig("tuned").get(TopicConfig.RETENTION_MS).source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void appendAndSubtractEditTheCleanupPolicyList() throws Exception {
        log.createTopic("policy", 1, Map.of());

        alter("policy", op(TopicConfig.CLEANUP_POLICY, "compact", OpType.APPEND));

        assertThat(log.topic("policy").orElseThrow().config().overrides().get(TopicConfig.CLEANUP_POLICY)).isEqualTo("delete,compact");
        assertThat(log.partition("policy", 0).config().compact()).as("compact after APPEND").isTrue();
        assertThat(log.partition("policy", 0).config().delete()).as("delete after APPEND").isTrue();

        alter("policy", op(TopicConfig.CLEANUP_POLICY, "delete", OpType.SUBTRACT));

        assertThat(log.topic("policy").orElseThrow().config().overrides().get(TopicConfig.CLEANUP_POLICY)).isEqualTo("compact");
        assertThat(log.partition("policy", 0).config().delete()).as("delete after SUBTRACT").isFalse();
        Throwable appendToLong = causeOf(admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "policy"),
                List.of(op(TopicConfig.RETENTION_MS, "1", OpType.APPEND)))).all());
        assertThat(appendToLong).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("retention.ms");
        Throwable emptyPolicy = causeOf(admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "policy"),
                List.of(op(TopicConfig.CLEANUP_POLICY, "compact", OpType.SUBTRACT)))).all());
        assertThat(emptyPolicy).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("cleanup.policy");
        assertThat(log.topic("policy").orElseThrow().config().overrides().get(TopicConfig.CLEANUP_POLICY)).isEqualTo("compact");
    }

    @Test
    void invalidAlterationsAndValidateOnlyChangeNothing() throws Exception {
        log.createTopic("guarded", 1, Map.of(TopicConfig.RETENTION_MS, "1000"));
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "guarded");

        admin.incrementalAlterConfigs(Map.of(r, List.of(op(TopicConfig.RETENTION_MS, "2000", OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get();
        Throwable unknown = causeOf(admin.incrementalAlterConfigs(Map.of(r, List.of(
                op(TopicConfig.RETENTION_MS, "3000", OpType.SET), op("retention.forever", "1", OpType.SET)))).all());
        Throwable badValue = causeOf(admin.incrementalAlterConfigs(Map.of(r, List.of(
                op(TopicConfig.SEGMENT_BYTES, "-5", OpType.SET)))).all());
        Throwable missing = causeOf(admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "missing"),
                List.of(op(TopicConfig.RETENTION_MS, "1", OpType.SET)))).all());

        assertThat(unknown).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("retention.forever");
        assertThat(badValue).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("segment.bytes");
        assertThat(missing).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(log.topic("guarded").orElseThrow().config().overrides())
                .as("overrides after validateOnly and failed alterations").containsOnly(Map.entry(TopicConfig.RETENTION_MS, "1000"));
        assertThat(log.partition("guarded", 0).config().retentionMs()).isEqualTo(1000);
    }

    @Test
    void brokerConfigsAreReadOnly() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "0");

        Throwable error = causeOf(admin.incrementalAlterConfigs(Map.of(broker,
                List.of(op("log.retention.ms", "1000", OpType.SET)))).all());

        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("log.retention.ms");
        assertThat(admin.describeConfigs(List.of(broker)).all().get().get(broker).get("log.retention.ms").value())
                .isEqualTo("604800000");
    }

    @Test
    @SuppressWarnings("deprecation")
    void legacyAlterConfigsReplacesEveryOverride() throws Exception {
        log.createTopic("legacy", 1, Map.of(TopicConfig.RETENTION_MS, "1000", TopicConfig.SEGMENT_MS, "60000"));
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "legacy");

        admin.alterConfigs(Map.of(r, new Config(List.of(new ConfigEntry(TopicConfig.RETENTION_BYTES, "4096"))))).all().get();

        assertThat(log.topic("legacy").orElseThrow().config().overrides())
                .containsOnly(Map.entry(TopicConfig.RETENTION_BYTES, "4096"));
        assertThat(log.partition("legacy", 0).config().retentionMs()).isEqualTo(604_800_000L);
        assertThat(log.partition("legacy", 0).config().retentionBytes()).isEqualTo(4096);
    }

    @Test
    void alteredConfigSurvivesARestart() throws Exception {
        log.createTopic("durable", 1, Map.of());
        alter("durable", op(TopicConfig.RETENTION_MS, "7000", OpType.SET));

        restart();

        assertThat(log.partition("durable", 0).config().retentionMs()).as("retention.ms after restart").isEqualTo(7000);
        ConfigEntry e = topicConfig("durable").get(TopicConfig.RETENTION_MS);
        assertThat(e.value()).isEqualTo("7000");
        assertThat(e.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }

    // ---------------------------------------------------------------- partitions

    @Test
    void addedPartitionsTakeWritesAndCountsNeverShrink() throws Exception {
        log.createTopic("growing", 1, Map.of());

        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(3))).all().get();
        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(5)),
                new CreatePartitionsOptions().validateOnly(true)).all().get();
        Throwable shrink = causeOf(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(2))).all());
        Throwable same = causeOf(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(3))).all());
        Throwable elsewhere = causeOf(admin.createPartitions(Map.of("growing",
                NewPartitions.increaseTo(4, List.of(List.of(7))))).all());
        Throwable missing = causeOf(admin.createPartitions(Map.of("missing", NewPartitions.increaseTo(2))).all());

        assertThat(log.topic("growing").orElseThrow().partitions()).as("partitions of growing").isEqualTo(3);
        assertThat(admin.describeTopics(List.of("growing")).allTopicNames().get().get("growing").partitions()).hasSize(3);
        assertThat(shrink).isInstanceOf(InvalidPartitionsException.class);
        assertThat(same).isInstanceOf(InvalidPartitionsException.class);
        assertThat(elsewhere).isInstanceOf(InvalidReplicaAssignmentException.class);
        assertThat(missing).isInstanceOf(UnknownTopicOrPartitionException.class);
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>("growing", 2, "k", "v"));
            assertThat(sent.get().offset()).isZero();
        }
        assertThat(log.partition("growing", 2).highWatermark()).as("high watermark of the new partition growing-2").isEqualTo(1);
    }

    // ---------------------------------------------------------------- DeleteTopics

    @Test
    void deletedTopicIsGoneAndRecreatingItGivesANewId() throws Exception {
        Uuid first = log.createTopic("again", 1, Map.of()).topicId();

        admin.deleteTopics(List.of("again")).all().get();

        assertThat(log.topic("again")).as("topic again after delete").isEmpty();
        assertThat(admin.listTopics().names().get()).doesNotContain("again");
        admin.createTopics(List.of(new NewTopic("again", 1, (short) 1))).all().get();
        Uuid second = log.topic("again").orElseThrow().topicId();
        assertThat(second).as("id of the re-created topic").isNotEqualTo(first);
        assertThat(admin.describeTopics(List.of("again")).allTopicNames().get().get("again").topicId()).isEqualTo(second);
    }

    @Test
    void deletesByTopicIdAndReportsUnknownNamesAndIds() throws Exception {
        Uuid id = log.createTopic("by-id", 2, Map.of()).topicId();
        Uuid stranger = Uuid.randomUuid();

        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get();
        Throwable unknownId = causeOf(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(stranger))).all());
        Throwable unknownName = causeOf(admin.deleteTopics(List.of("never-was")).all());

        assertThat(log.topic("by-id")).isEmpty();
        assertThat(dir.resolve("by-id-0")).as("partition directory after delete").doesNotExist();
        assertThat(unknownId).isInstanceOf(UnknownTopicIdException.class);
        assertThat(unknownName).isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void internalTopicsAreNotDeleted() throws Exception {
        log.createTopic("__consumer_offsets", 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact"));

        Throwable error = causeOf(admin.deleteTopics(List.of("__consumer_offsets")).all());

        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("internal");
        assertThat(log.topic("__consumer_offsets")).isPresent();
    }
}
