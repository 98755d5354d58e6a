package io.sluice.jobs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.log.InvalidConfigException;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.server.ConnectionLimits;
import io.sluice.log.server.GroupCoordinatorConfig;
import io.sluice.log.server.KafkaServerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The settings file, {@code conf/log-server.yaml}: read by {@code sluice log-server} and by every
 * {@code sluice log} command, so that both run the log with the same settings. Top-level keys are Kafka's
 * broker setting names (server settings, and {@code log.*} for the log manager); the mapping under
 * {@value #TOPIC_DEFAULTS} holds topic configs under Kafka's topic config names, the defaults of every
 * topic that does not override them (as Kafka's broker-level defaults: not stored with the topics).
 * Unknown keys and bad values are refused with the file and the key named. Immutable.
 */
final class LogSettings {
    // ---------------------------------------------------------------- log manager
    /** The data directory, when {@code --data-dir} is not given. */
    static final String DATA_DIR = "log.dir";
    static final String FLUSHER_THREADS = "log.flusher.threads";
    static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    static final String RECOVERY_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    static final String SCRUBBER_BYTES_PER_SECOND = "log.scrubber.bytes.per.second";

    // ---------------------------------------------------------------- server
    static final String NODE_ID = "node.id";
    static final String CLUSTER_ID = "cluster.id";
    static final String MAX_REQUEST_BYTES = "socket.request.max.bytes";
    static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    static final String NUM_PARTITIONS = "num.partitions";
    /** Netty event-loop threads; 0 means one per available processor. */
    static final String IO_THREADS = "num.io.threads";
    static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    static final String MAX_CONNECTIONS = "max.connections";
    static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    static final String REQUEST_RECEIVE_TIMEOUT_MS = "request.receive.timeout.ms";
    /** HOST:PORT of the Prometheus /metrics endpoint; empty turns it off. */
    static final String METRICS_HTTP_LISTEN = "metrics.http.listen";
    static final String DEFAULT_METRICS_HTTP_LISTEN = "127.0.0.1:9404";

    // ---------------------------------------------------------------- audit (the log tier, sluice log-server only)
    /** Whether the log server counts what became durable and publishes the counts to the audit topic. */
    static final String AUDIT_ENABLE = "sluice.audit.enable";
    static final String AUDIT_TOPIC = io.sluice.audit.AuditConfig.TOPIC;
    static final String AUDIT_BUCKET_MS = io.sluice.audit.AuditConfig.BUCKET_MS;
    static final String AUDIT_PUBLISH_INTERVAL_MS = io.sluice.audit.AuditConfig.PUBLISH_INTERVAL_MS;

    // ---------------------------------------------------------------- topics
    static final String TOPIC_DEFAULTS = "topic.defaults";

    /** Every top-level key with a single value, in the order of conf/log-server.yaml. */
    static final List<String> KEYS = List.of(NODE_ID, CLUSTER_ID, MAX_REQUEST_BYTES, QUEUED_MAX_REQUEST_BYTES,
            MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, CONNECTIONS_MAX_IDLE_MS, REQUEST_RECEIVE_TIMEOUT_MS,
            AUTO_CREATE_TOPICS, NUM_PARTITIONS, IO_THREADS, GROUP_INITIAL_REBALANCE_DELAY_MS, GROUP_MIN_SESSION_TIMEOUT_MS,
            GROUP_MAX_SESSION_TIMEOUT_MS, OFFSETS_TOPIC_PARTITIONS, OFFSETS_RETENTION_MINUTES,
            OFFSETS_RETENTION_CHECK_INTERVAL_MS, METRICS_HTTP_LISTEN, AUDIT_ENABLE, AUDIT_TOPIC,
            AUDIT_BUCKET_MS, AUDIT_PUBLISH_INTERVAL_MS, DATA_DIR, FLUSHER_THREADS, RETENTION_CHECK_INTERVAL_MS,
            RECOVERY_CHECKPOINT_INTERVAL_MS, PRODUCER_ID_EXPIRATION_MS, SCRUBBER_BYTES_PER_SECOND);

    /** No file: every default. */
    static final LogSettings NONE = new LogSettings(null, Map.of(), Map.of());

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private final Path source;
    private final Map<String, String> values;
    private final Map<String, String> topicDefaults;

    private LogSettings(Path source, Map<String, String> values, Map<String, String> topicDefaults) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.topicDefaults = Collections.unmodifiableMap(new TreeMap<>(topicDefaults));
    }

    /** Reads and checks {@code file}: unknown keys and bad values are refused with the file and key named. */
    static LogSettings load(Path file) {
        JsonNode root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = YAML.readTree(r);
        } catch (NoSuchFileException e) {
            throw CliException.usage("config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            String what = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage().lines().findFirst().orElse("");
            throw CliException.usage(file + ": not valid YAML: " + what + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new CliException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        Map<String, String> topic = new TreeMap<>();
        if (root != null && !root.isMissingNode() && !root.isNull()) {
            if (!root.isObject()) {
                throw CliException.usage(file + ": expected a mapping of settings (key: value), found "
                        + kind(root));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                if (key.equals(TOPIC_DEFAULTS)) {
                    readTopicDefaults(file, e.getValue(), topic);
                } else if (KEYS.contains(key)) {
                    values.put(key, scalar(file, key, e.getValue()));
                } else if (TopicConfig.isKnownKey(key)) {
                    throw CliException.usage(file + ": unknown key '" + key + "': it is a topic config; put it under "
                            + TOPIC_DEFAULTS + ":");
                } else {
                    throw CliException.usage(file + ": unknown key '" + key + "' (known: " + String.join(", ", KEYS)
                            + ", and " + TOPIC_DEFAULTS + ")");
                }
            }
        }
        try {
            TopicConfig.of(topic);
        } catch (InvalidConfigException e) {
            throw CliException.usage(file + ": " + TOPIC_DEFAULTS + ": " + e.getMessage());
        }
        LogSettings s = new LogSettings(file, values, topic);
        // check every number now, naming the file, whichever command reads it
        s.managerConfig(Path.of("."));
        s.serverConfig("127.0.0.1", 0);
        s.auditEnabled();
        s.auditConfig("127.0.0.1:0");
        return s;
    }

    private static void readTopicDefaults(Path file, JsonNode node, Map<String, String> into) {
        if (node == null || node.isNull()) {
            return; // "topic.defaults:" with every entry commented out
        }
        if (!node.isObject()) {
            throw CliException.usage(file + ": " + TOPIC_DEFAULTS + " must be a mapping of topic configs (key: value), "
                    + "found " + kind(node));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!TopicConfig.isKnownKey(key)) {
                throw CliException.usage(file + ": unknown key '" + key + "' under " + TOPIC_DEFAULTS
                        + " (topic configs use Kafka's names, such as " + TopicConfig.RETENTION_MS + ")");
            }
            into.put(key, scalar(file, TOPIC_DEFAULTS + "." + key, e.getValue()));
        }
    }

    private static String scalar(Path file, String key, JsonNode v) {
        if (v == null || v.isNull()) {
            throw CliException.usage(file + ": no value for '" + key + "'");
        }
        if (!v.isValueNode()) {
            throw CliException.usage(file + ": invalid value for '" + key + "': expected a single value, found "
                    + kind(v));
        }
        return v.asText().trim();
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isObject() ? "a mapping" : "'" + n.asText() + "'";
    }

    /** log.dir, if the file sets it. */
    Optional<Path> dataDir() {
        String d = values.get(DATA_DIR);
        return d == null || d.isEmpty() ? Optional.empty() : Optional.of(Path.of(d));
    }

    /** The topic configs under topic.defaults (only those the file sets). */
    Map<String, String> topicDefaults() {
        return topicDefaults;
    }

    /** The log manager's settings for {@code dataDir}: LogManagerConfig's defaults under the file's values. */
    LogManagerConfig managerConfig(Path dataDir) {
        LogManagerConfig d = LogManagerConfig.defaults(dataDir);
        return new LogManagerConfig(dataDir, TopicConfig.of(topicDefaults),
                (int) number(FLUSHER_THREADS, d.flusherThreads(), 1, 64),
                number(RETENTION_CHECK_INTERVAL_MS, d.retentionCheckIntervalMs(), 1, Long.MAX_VALUE),
                number(RECOVERY_CHECKPOINT_INTERVAL_MS, d.recoveryCheckpointIntervalMs(), 1, Long.MAX_VALUE),
                d.fileIO(), d.time(), d.fileDescriptors(),
                number(PRODUCER_ID_EXPIRATION_MS, d.producerIdExpirationMs(), 1, Long.MAX_VALUE),
                number(SCRUBBER_BYTES_PER_SECOND, d.scrubBytesPerSecond(), 0, Long.MAX_VALUE));
    }

    /**
     * The server's settings, listening on {@code host:port} and advertising the same (the caller sets
     * another advertised address with {@link KafkaServerConfig#withAdvertised}): KafkaServerConfig's
     * defaults under the file's values.
     */
    KafkaServerConfig serverConfig(String host, int port) {
        KafkaServerConfig d = KafkaServerConfig.defaults(host, port);
        int ioThreads = (int) number(IO_THREADS, 0, 0, 1024);
        String clusterId = values.getOrDefault(CLUSTER_ID, d.clusterId());
        if (clusterId.isBlank()) {
            throw invalid(CLUSTER_ID, clusterId, "a non-empty string");
        }
        int maxRequestBytes = (int) number(MAX_REQUEST_BYTES, d.maxRequestBytes(), 1024, Integer.MAX_VALUE);
        ConnectionLimits limits = limits(d.limits());
        if (limits.queuedMaxRequestBytes() < maxRequestBytes) {
            throw invalid(QUEUED_MAX_REQUEST_BYTES, Long.toString(limits.queuedMaxRequestBytes()),
                    "at least " + MAX_REQUEST_BYTES + " (" + maxRequestBytes + "), so that the largest request fits");
        }
        return new KafkaServerConfig(host, port, host, -1, (int) number(NODE_ID, d.nodeId(), 0, Integer.MAX_VALUE),
                clusterId, maxRequestBytes, bool(AUTO_CREATE_TOPICS, d.autoCreateTopics()),
                (int) number(NUM_PARTITIONS, d.defaultPartitions(), 1, 1_000_000),
                ioThreads == 0 ? d.ioThreads() : ioThreads, groupConfig(d.groups()), limits);
    }

    private ConnectionLimits limits(ConnectionLimits d) {
        return new ConnectionLimits(number(QUEUED_MAX_REQUEST_BYTES, d.queuedMaxRequestBytes(), 1024, Long.MAX_VALUE),
                (int) number(MAX_CONNECTIONS, d.maxConnections(), 1, Integer.MAX_VALUE),
                (int) number(MAX_CONNECTIONS_PER_IP, d.maxConnectionsPerIp(), 1, Integer.MAX_VALUE),
                number(CONNECTIONS_MAX_IDLE_MS, d.connectionsMaxIdleMs(), 1, Long.MAX_VALUE),
                number(REQUEST_RECEIVE_TIMEOUT_MS, d.requestReceiveTimeoutMs(), 1, Long.MAX_VALUE));
    }

    private GroupCoordinatorConfig groupConfig(GroupCoordinatorConfig d) {
        int minSession = (int) number(GROUP_MIN_SESSION_TIMEOUT_MS, d.minSessionTimeoutMs(), 0, Integer.MAX_VALUE);
        int maxSession = (int) number(GROUP_MAX_SESSION_TIMEOUT_MS, d.maxSessionTimeoutMs(), 0, Integer.MAX_VALUE);
        if (maxSession < minSession) {
            throw invalid(GROUP_MAX_SESSION_TIMEOUT_MS, Integer.toString(maxSession),
                    "at least " + GROUP_MIN_SESSION_TIMEOUT_MS + " (" + minSession + ")");
        }
        return d.withInitialRebalanceDelayMs((int) number(GROUP_INITIAL_REBALANCE_DELAY_MS,
                        d.initialRebalanceDelayMs(), 0, Integer.MAX_VALUE))
                .withSessionTimeoutRange(minSession, maxSession)
                .withOffsetsTopicPartitions((int) number(OFFSETS_TOPIC_PARTITIONS, d.offsetsTopicPartitions(), 1, 1000))
                .withOffsetsRetention(number(OFFSETS_RETENTION_MINUTES, d.offsetsRetentionMs() / 60_000, 1,
                                Long.MAX_VALUE / 60_000) * 60_000,
                        number(OFFSETS_RETENTION_CHECK_INTERVAL_MS, d.offsetsRetentionCheckIntervalMs(), 1, Long.MAX_VALUE));
    }

    /** {@value #AUDIT_ENABLE}: true unless the file turns the log tier of the audit off. */
    boolean auditEnabled() {
        return bool(AUDIT_ENABLE, true);
    }

    /** The log tier's audit settings, publishing through {@code bootstrap} (the server's own address). */
    io.sluice.audit.AuditConfig auditConfig(String bootstrap) {
        String topic = values.getOrDefault(AUDIT_TOPIC, io.sluice.audit.AuditConfig.DEFAULT_TOPIC);
        try {
            if (topic.isBlank()) {
                throw invalid(AUDIT_TOPIC, topic, "a topic name");
            }
            Map<String, String> m = new java.util.HashMap<>();
            m.put("bootstrap.servers", bootstrap);
            for (String k : List.of(AUDIT_TOPIC, AUDIT_BUCKET_MS, AUDIT_PUBLISH_INTERVAL_MS)) {
                if (values.containsKey(k)) {
                    m.put(k, values.get(k));
                }
            }
            return io.sluice.audit.AuditConfig.from(m);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(source + ": " + e.getMessage());
        }
    }

    /** Where to serve Prometheus metrics, or empty when {@value #METRICS_HTTP_LISTEN} is set to "". */
    java.util.Optional<String> metricsHttpListen() {
        String v = values.getOrDefault(METRICS_HTTP_LISTEN, DEFAULT_METRICS_HTTP_LISTEN).trim();
        return v.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v);
    }

    private long number(String key, long fallback, long min, long max) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(key, v, "a whole number in [" + min + ", " + max + "]");
    }

    private boolean bool(String key, boolean fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw invalid(key, v, "true or false");
    }

    private CliException invalid(String key, String value, String expected) {
        return CliException.usage(source + ": invalid value '" + value + "' for '" + key + "': expected " + expected);
    }
}
