package io.sluice.log.server;

import io.sluice.log.LogManager;
import io.sluice.log.TopicConfigDocs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * The configs of a topic or of this broker as Kafka describes them: every key with its effective value,
 * where that value comes from, and its synonyms in order of precedence. A topic's own override is a
 * dynamic topic config ({@link ConfigSource#TOPIC_CONFIG}); the log's topic defaults
 * ({@link LogManager#topicDefaults()}) play the part of Kafka's static broker config and are reported
 * under Kafka's broker setting names ({@code log.retention.ms}, ...); the rest are defaults. Broker
 * configs are all read-only: Sluice has no dynamic broker config. Stateless apart from its sources.
 */
final class ConfigDescriber {
    /** A synonym: a setting that supplies the value when nothing before it in the list does. */
    record Synonym(String name, String value, ConfigSource source) {
    }

    /** One described config key. {@code synonyms} starts with the setting that supplies {@code value}. */
    record Entry(String name, String value, ConfigSource source, boolean readOnly, ConfigType type, String doc,
                 List<Synonym> synonyms) {
    }

    private static final int KAFKA_DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;

    private final LogManager log;
    private final KafkaServerConfig config;
    private final Supplier<BrokerIdentity> broker;
    private final IntSupplier boundPort;

    ConfigDescriber(LogManager log, KafkaServerConfig config, Supplier<BrokerIdentity> broker, IntSupplier boundPort) {
        this.log = log;
        this.config = config;
        this.broker = broker;
        this.boundPort = boundPort;
    }

    /** Every topic config key of a topic with these overrides, in {@link TopicConfigDocs#all()} order. */
    List<Entry> topic(Map<String, String> overrides) {
        Map<String, String> brokerDefaults = log.topicDefaults().overrides();
        List<Entry> entries = new ArrayList<>();
        for (TopicConfigDocs.Key key : TopicConfigDocs.all().values()) {
            String brokerName = key.brokerSynonym() == null ? key.name() : key.brokerSynonym();
            List<Synonym> synonyms = new ArrayList<>(3);
            if (overrides.containsKey(key.name())) {
                synonyms.add(new Synonym(key.name(), overrides.get(key.name()), ConfigSource.TOPIC_CONFIG));
            }
            if (brokerDefaults.containsKey(key.name())) {
                synonyms.add(new Synonym(brokerName, brokerDefaults.get(key.name()), ConfigSource.STATIC_BROKER_CONFIG));
            }
            synonyms.add(new Synonym(brokerName, key.defaultValue(), ConfigSource.DEFAULT_CONFIG));
            Synonym winner = synonyms.get(0);
            entries.add(new Entry(key.name(), winner.value(), winner.source(), false, type(key.type()), key.doc(),
                    List.copyOf(synonyms)));
        }
        return entries;
    }

    /**
     * This broker's configs (all read-only): its identity, listeners and limits, and the broker-level
     * names of the topic defaults.
     */
    List<Entry> broker() {
        BrokerIdentity id = broker.get();
        List<Entry> entries = new ArrayList<>();
        entries.add(fixed("node.id", String.valueOf(id.nodeId()), null, ConfigType.INT, "This broker's id."));
        entries.add(fixed("broker.id", String.valueOf(id.nodeId()), null, ConfigType.INT, "This broker's id (same as node.id)."));
        entries.add(fixed("log.dirs", log.dataDir().toAbsolutePath().toString(), null, ConfigType.STRING,
                "The data directory of the log (Sluice uses exactly one)."));
        entries.add(fixed("listeners", "PLAINTEXT://" + config.listenHost() + ":" + boundPort.getAsInt(), null, ConfigType.LIST,
                "The address the server listens on."));
        entries.add(fixed("advertised.listeners", "PLAINTEXT://" + id.host() + ":" + id.port(), null, ConfigType.LIST,
                "The address returned to clients in Metadata."));
        entries.add(fixed("num.partitions", String.valueOf(config.defaultPartitions()), "1", ConfigType.INT,
                "Partitions of topics created without a partition count (auto-created or numPartitions=-1)."));
        entries.add(fixed("default.replication.factor", "1", "1", ConfigType.INT,
                "Replication factor of new topics; always 1 on a single node."));
        entries.add(fixed("auto.create.topics.enable", String.valueOf(config.autoCreateTopics()), "true",
                ConfigType.BOOLEAN, "Whether Metadata requests for unknown topics create them."));
        entries.add(fixed("delete.topic.enable", "true", "true", ConfigType.BOOLEAN, "Whether topics may be deleted."));
        entries.add(fixed("socket.request.max.bytes", String.valueOf(config.maxRequestBytes()),
                String.valueOf(KAFKA_DEFAULT_MAX_REQUEST_BYTES), ConfigType.INT, "Largest request frame accepted, in bytes."));
        Map<String, String> brokerDefaults = log.topicDefaults().overrides();
        for (TopicConfigDocs.Key key : TopicConfigDocs.all().values()) {
            if (key.brokerSynonym() == null) {
                continue;
            }
            List<Synonym> synonyms = new ArrayList<>(2);
            if (brokerDefaults.containsKey(key.name())) {
                synonyms.add(new Synonym(key.brokerSynonym(), brokerDefaults.get(key.name()), ConfigSource.STATIC_BROKER_CONFIG));
            }
            synonyms.add(new Synonym(key.brokerSynonym(), key.defaultValue(), ConfigSource.DEFAULT_CONFIG));
            Synonym winner = synonyms.get(0);
            entries.add(new Entry(key.brokerSynonym(), winner.value(), winner.source(), true, type(key.type()),
                    "Default of topic config " + key.name() + ": " + key.doc(), List.copyOf(synonyms)));
        }
        return entries;
    }

    /** A read-only broker setting: static when it differs from Kafka's default (or has none), else default. */
    private static Entry fixed(String name, String value, String kafkaDefault, ConfigType type, String doc) {
        List<Synonym> synonyms = new ArrayList<>(2);
        if (kafkaDefault == null || !kafkaDefault.equals(value)) {
            synonyms.add(new Synonym(name, value, ConfigSource.STATIC_BROKER_CONFIG));
        }
        if (kafkaDefault != null) {
            synonyms.add(new Synonym(name, kafkaDefault, ConfigSource.DEFAULT_CONFIG));
        }
        return new Entry(name, value, synonyms.get(0).source(), true, type, doc, List.copyOf(synonyms));
    }

    private static ConfigType type(TopicConfigDocs.Type t) {
        return switch (t) {
            case BOOLEAN -> ConfigType.BOOLEAN;
            case STRING -> ConfigType.STRING;
            case INT -> ConfigType.INT;
            case LONG -> ConfigType.LONG;
            case DOUBLE -> ConfigType.DOUBLE;
            case LIST -> ConfigType.LIST;
        };
    }
}
