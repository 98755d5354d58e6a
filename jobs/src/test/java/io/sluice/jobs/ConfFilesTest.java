package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.server.KafkaServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The files in conf/ stay in step with the code and the root pom. */
class ConfFilesTest {
    static Path repoRoot() {
        return Path.of(System.getProperty("sluice.repo.root", "..")).toAbsolutePath().normalize();
    }

    static Path logServerYaml() {
        return repoRoot().resolve("conf/log-server.yaml");
    }

    /** The default of each top-level key, as conf/log-server.yaml must show it. */
    static Map<String, String> topLevelDefaults() {
        LogManagerConfig m = LogManagerConfig.defaults(Path.of("data/log"));
        KafkaServerConfig s = KafkaServerConfig.defaults("127.0.0.1", 9092);
        Map<String, String> d = new LinkedHashMap<>();
        d.put(LogSettings.NODE_ID, String.valueOf(s.nodeId()));
        d.put(LogSettings.CLUSTER_ID, s.clusterId());
        d.put(LogSettings.MAX_REQUEST_BYTES, String.valueOf(s.maxRequestBytes()));
        d.put(LogSettings.QUEUED_MAX_REQUEST_BYTES, String.valueOf(s.limits().queuedMaxRequestBytes()));
        d.put(LogSettings.MAX_CONNECTIONS, String.valueOf(s.limits().maxConnections()));
        d.put(LogSettings.MAX_CONNECTIONS_PER_IP, String.valueOf(s.limits().maxConnectionsPerIp()));
        d.put(LogSettings.CONNECTIONS_MAX_IDLE_MS, String.valueOf(s.limits().connectionsMaxIdleMs()));
        d.put(LogSettings.REQUEST_RECEIVE_TIMEOUT_MS, String.valueOf(s.limits().requestReceiveTimeoutMs()));
        d.put(LogSettings.AUTO_CREATE_TOPICS, String.valueOf(s.autoCreateTopics()));
        d.put(LogSettings.NUM_PARTITIONS, String.valueOf(s.defaultPartitions()));
        d.put(LogSettings.IO_THREADS, "0"); // one per processor
        d.put(LogSettings.GROUP_INITIAL_REBALANCE_DELAY_MS, String.valueOf(s.groups().initialRebalanceDelayMs()));
        d.put(LogSettings.GROUP_MIN_SESSION_TIMEOUT_MS, String.valueOf(s.groups().minSessionTimeoutMs()));
        d.put(LogSettings.GROUP_MAX_SESSION_TIMEOUT_MS, String.valueOf(s.groups().maxSessionTimeoutMs()));
        d.put(LogSettings.OFFSETS_TOPIC_PARTITIONS, String.valueOf(s.groups().offsetsTopicPartitions()));
        d.put(LogSettings.OFFSETS_RETENTION_MINUTES, String.valueOf(s.groups().offsetsRetentionMs() / 60_000));
        d.put(LogSettings.OFFSETS_RETENTION_CHECK_INTERVAL_MS, String.valueOf(s.groups().offsetsRetentionCheckIntervalMs()));
        d.put(LogSettings.METRICS_HTTP_LISTEN, LogSettings.DEFAULT_METRICS_HTTP_LISTEN);
        d.put(LogSettings.AUDIT_ENABLE, "true");
        d.put(LogSettings.AUDIT_TOPIC, io.sluice.audit.AuditConfig.DEFAULT_TOPIC);
        d.put(LogSettings.AUDIT_BUCKET_MS, String.valueOf(io.sluice.audit.Buckets.DEFAULT.toMillis()));
        d.put(LogSettings.AUDIT_PUBLISH_INTERVAL_MS, "10000");
        d.put(LogSettings.DATA_DIR, "data/log");
        d.put(LogSettings.FLUSHER_THREADS, String.valueOf(m.flusherThreads()));
        d.put(LogSettings.RETENTION_CHECK_INTERVAL_MS, String.valueOf(m.retentionCheckIntervalMs()));
        d.put(LogSettings.RECOVERY_CHECKPOINT_INTERVAL_MS, String.valueOf(m.recoveryCheckpointIntervalMs()));
        d.put(LogSettings.PRODUCER_ID_EXPIRATION_MS, String.valueOf(m.producerIdExpirationMs()));
        d.put(LogSettings.SCRUBBER_BYTES_PER_SECOND, String.valueOf(m.scrubBytesPerSecond()));
        return d;
    }

    /** The file with every commented-out setting ('#key: value', at any indentation) switched on. */
    static String withEverySettingOn(List<String> lines) {
        StringBuilder on = new StringBuilder();
        for (String line : lines) {
            on.append(line.replaceFirst("^(\\s*)#([a-z][a-z0-9.]*:)", "$1$2")).append('\n');
        }
        return on.toString();
    }

    @Test
    void logServerYamlDocumentsEveryTopLevelKeyWithItsDefault() throws IOException {
        // given
        List<String> lines = Files.readAllLines(logServerYaml());
        Map<String, String> defaults = topLevelDefaults();

        // then: every key the loader knows, commented out with its default, and a comment above it
        assertThat(defaults.keySet()).as("keys of the test against LogSettings.KEYS")
                .containsExactlyInAnyOrderElementsOf(LogSettings.KEYS);
        for (Map.Entry<String, String> e : defaults.entrySet()) {
            String line = "#" + e.getKey() + ": " + e.getValue();
            assertThat(lines).as("%s documents %s with its default", logServerYaml(), e.getKey()).contains(line);
            assertThat(lines.get(lines.indexOf(line) - 1)).as("comment above %s", e.getKey()).startsWith("# ");
        }
        assertThat(lines).as("the topic defaults section").contains("#" + LogSettings.TOPIC_DEFAULTS + ":");
    }

    @Test
    void logServerYamlDocumentsEveryTopicConfigWithItsDefault() throws IOException {
        // given
        List<String> lines = Files.readAllLines(logServerYaml());

        // then: under topic.defaults, every key the log acts on, commented out with Kafka's default
        int section = lines.indexOf("#" + LogSettings.TOPIC_DEFAULTS + ":");
        for (Map.Entry<String, String> e : TopicConfig.defaultValues().entrySet()) {
            String line = "  #" + e.getKey() + ": " + e.getValue();
            assertThat(lines).as("%s documents %s with its default", logServerYaml(), e.getKey()).contains(line);
            int at = lines.indexOf(line);
            assertThat(at).as("%s is below %s:", e.getKey(), LogSettings.TOPIC_DEFAULTS).isGreaterThan(section);
            assertThat(lines.get(at - 1)).as("comment above %s", e.getKey()).startsWith("  # ");
        }
    }

    @Test
    void shippedLogServerYamlLoadsAndSetsNothing() {
        // when
        LogSettings s = LogSettings.load(logServerYaml());

        // then
        assertThat(s.topicDefaults()).as("topic defaults of the shipped file").isEmpty();
        assertThat(s.dataDir()).isEmpty();
        assertThat(s.managerConfig(Path.of("d"))).isEqualTo(LogManagerConfig.defaults(Path.of("d")));
        assertThat(s.serverConfig("127.0.0.1", 9092)).isEqualTo(KafkaServerConfig.defaults("127.0.0.1", 9092));
    }

    @Test
    void everyDocumentedSettingSwitchedOnIsAcceptedAndEqualsTheDefaults() throws IOException {
        // given: the shipped file with every '#key: value' line switched on
        Path copy = Files.createTempFile("log-server", ".yaml");
        try {
            Files.writeString(copy, withEverySettingOn(Files.readAllLines(logServerYaml())));

            // when
            LogSettings s = LogSettings.load(copy);

            // then
            assertThat(s.topicDefaults().keySet()).as("topic keys switched on")
                    .containsExactlyInAnyOrderElementsOf(TopicConfig.defaultValues().keySet());
            assertThat(TopicConfig.of(s.topicDefaults()).effective()).isEqualTo(TopicConfig.defaults().effective());
            assertThat(s.dataDir()).contains(Path.of("data/log"));
            LogManagerConfig m = s.managerConfig(Path.of("d"));
            LogManagerConfig d = LogManagerConfig.defaults(Path.of("d"));
            assertThat(List.of(m.flusherThreads(), m.retentionCheckIntervalMs(), m.recoveryCheckpointIntervalMs()))
                    .as("log manager settings").isEqualTo(
                            List.of(d.flusherThreads(), d.retentionCheckIntervalMs(), d.recoveryCheckpointIntervalMs()));
            assertThat(s.serverConfig("127.0.0.1", 9092)).as("server settings")
                    .isEqualTo(KafkaServerConfig.defaults("127.0.0.1", 9092));
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    @Test
    void launcherPassesConfLogServerYamlAsTheDefaultConfigFileAndExecsJava() throws IOException {
        // given
        String launcher = Files.readString(repoRoot().resolve("bin/sluice"));

        // then: every command reads the same file, and SIGTERM reaches the JVM (exec keeps the pid)
        assertThat(launcher).as("bin/sluice")
                .contains("${SLUICE_CONFIG_FILE:-$root/conf/log-server.yaml}")
                .contains("-D" + LogOptions.CONFIG_FILE_PROPERTY + "=\"$config_file\"")
                .containsPattern("(?m)^exec \"\\$java\"");
    }

    @Test
    void jvmOptionsMatchThePomsJvmOpens() throws IOException {
        // given
        String fromPom = System.getProperty("sluice.jvm.opens");
        Path file = repoRoot().resolve("conf/jvm.options");

        // when
        List<String> fromFile = Files.readAllLines(file).stream()
                .map(l -> l.replaceAll("#.*", "").trim())
                .filter(l -> !l.isEmpty())
                .toList();

        // then
        assertThat(fromPom).as("system property sluice.jvm.opens (set by the jobs pom from the root pom)").isNotBlank();
        assertThat(fromFile).as("flags in %s against sluice.jvm.opens of the root pom", file)
                .containsExactlyElementsOf(Arrays.asList(fromPom.trim().split("\\s+")));
    }
}
