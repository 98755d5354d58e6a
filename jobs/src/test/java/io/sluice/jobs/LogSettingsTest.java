package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import io.sluice.log.server.KafkaServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading conf/log-server.yaml: what is accepted, what is refused and how the refusal names the key. */
class LogSettingsTest {
    @TempDir
    Path tmp;

    Path yaml(String text) throws IOException {
        Path f = tmp.resolve("log-server.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void everySettingSetAwayFromItsDefaultReachesTheServerAndLogManagerConfigs() throws IOException {
        // given
        Path f = yaml("""
                node.id: 7
                cluster.id: test-cluster
                socket.request.max.bytes: 2097152
                queued.max.request.bytes: 4194304
                max.connections: 50
                max.connections.per.ip: 5
                connections.max.idle.ms: 60000
                request.receive.timeout.ms: 5000
                auto.create.topics.enable: false
                num.partitions: 3
                num.io.threads: 2
                log.dir: /srv/sluice/log
                log.flusher.threads: 4
                log.retention.check.interval.ms: 1000
                log.flush.offset.checkpoint.interval.ms: 2000
                topic.defaults:
                  retention.ms: 3600000
                  cleanup.policy: compact,delete
                  min.cleanable.dirty.ratio: 0.25
                  compression.type: lz4
                """);

        // when
        LogSettings s = LogSettings.load(f);
        LogManagerConfig m = s.managerConfig(Path.of("d"));
        KafkaServerConfig c = s.serverConfig("127.0.0.1", 9092);

        // then
        assertThat(s.dataDir()).contains(Path.of("/srv/sluice/log"));
        assertThat(m.flusherThreads()).as("log.flusher.threads").isEqualTo(4);
        assertThat(m.retentionCheckIntervalMs()).as("log.retention.check.interval.ms").isEqualTo(1000);
        assertThat(m.recoveryCheckpointIntervalMs()).as("log.flush.offset.checkpoint.interval.ms").isEqualTo(2000);
        assertThat(m.topicDefaults().overrides()).as("topic.defaults").isEqualTo(Map.of(
                TopicConfig.RETENTION_MS, "3600000", TopicConfig.CLEANUP_POLICY, "compact,delete",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.25", "compression.type", "lz4"));
        assertThat(c).isEqualTo(new KafkaServerConfig("127.0.0.1", 9092, "127.0.0.1", -1, 7, "test-cluster",
                2097152, false, 3, 2, io.sluice.log.server.GroupCoordinatorConfig.defaults(),
                new io.sluice.log.server.ConnectionLimits(4194304, 50, 5, 60000, 5000)));
    }

    @Test
    void anEmptyFileOrEmptyTopicDefaultsMeanEveryDefault() throws IOException {
        // when
        LogSettings empty = LogSettings.load(yaml("# nothing set\n"));
        LogSettings emptySection = LogSettings.load(yaml("topic.defaults:\n  # retention.ms: 1\n"));

        // then
        assertThat(empty.managerConfig(Path.of("d"))).isEqualTo(LogManagerConfig.defaults(Path.of("d")));
        assertThat(empty.serverConfig("h", 1)).isEqualTo(KafkaServerConfig.defaults("h", 1));
        assertThat(emptySection.topicDefaults()).isEmpty();
    }

    @Test
    void ioThreadsZeroMeansOnePerProcessor() throws IOException {
        // when
        KafkaServerConfig c = LogSettings.load(yaml("num.io.threads: 0\n")).serverConfig("h", 1);

        // then
        assertThat(c.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void unknownTopLevelKeyIsRefusedNamingTheKeyAndTheFile() throws IOException {
        // given
        Path f = yaml("node.id: 1\nsocket.request.max.byte: 2048\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(f)).isInstanceOf(CliException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("unknown key 'socket.request.max.byte'")
                .hasMessageContaining(LogSettings.MAX_REQUEST_BYTES); // the list of known keys
    }

    @Test
    void unknownTopicConfigUnderTopicDefaultsIsRefusedNamingIt() throws IOException {
        // given
        Path f = yaml("topic.defaults:\n  retention.msec: 10\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(f)).isInstanceOf(CliException.class)
                .hasMessageContaining("unknown key 'retention.msec' under topic.defaults");
    }

    @Test
    void topicConfigAtTheTopLevelIsRefusedWithAHint() throws IOException {
        // given: an uncommented topic config whose section header is still commented out
        Path f = yaml("#topic.defaults:\nretention.ms: 10\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(f)).isInstanceOf(CliException.class)
                .hasMessageContaining("unknown key 'retention.ms'")
                .hasMessageContaining("put it under topic.defaults");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "node.id                                 | -1        | node.id",
        "cluster.id                              | '\"\"'    | cluster.id",
        "socket.request.max.bytes                | 100       | socket.request.max.bytes",
        "auto.create.topics.enable               | maybe     | auto.create.topics.enable",
        "num.partitions                          | 0         | num.partitions",
        "num.io.threads                          | many      | num.io.threads",
        "queued.max.request.bytes                | 1000      | queued.max.request.bytes",
        "queued.max.request.bytes                | 1048576   | queued.max.request.bytes",
        "max.connections                         | 0         | max.connections",
        "max.connections.per.ip                  | -1        | max.connections.per.ip",
        "connections.max.idle.ms                 | soon      | connections.max.idle.ms",
        "request.receive.timeout.ms              | 0         | request.receive.timeout.ms",
        "log.flusher.threads                     | 0         | log.flusher.threads",
        "log.retention.check.interval.ms         | 1.5       | log.retention.check.interval.ms",
        "log.flush.offset.checkpoint.interval.ms | -5        | log.flush.offset.checkpoint.interval.ms",
    })
    void badValueIsRefusedNamingTheKey(String key, String value, String named) throws IOException {
        // given
        Path f = yaml(key + ": " + value + "\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(f)).as("%s: %s", key, value).isInstanceOf(CliException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'" + named + "'");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "cleanup.policy         | sometimes",
        "retention.ms           | a week",
        "message.timestamp.type | WallClock",
        "segment.bytes          | 10",
        "min.cleanable.dirty.ratio | 2",
    })
    void badTopicDefaultIsRefusedNamingTheTopicConfig(String key, String value) throws IOException {
        // given
        Path f = yaml("topic.defaults:\n  " + key + ": " + value + "\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(f)).as("%s: %s", key, value).isInstanceOf(CliException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("topic.defaults")
                .hasMessageContaining("'" + key + "'");
    }

    @Test
    void aListOrMappingWhereOneValueBelongsIsRefusedNamingTheKey() throws IOException {
        // given
        Path list = yaml("num.partitions: [1, 2]\n");
        Path none = tmp.resolve("none.yaml");
        Files.writeString(none, "node.id:\n");
        Path section = tmp.resolve("section.yaml");
        Files.writeString(section, "topic.defaults: 5\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(list)).hasMessageContaining("'num.partitions'")
                .hasMessageContaining("a list");
        assertThatThrownBy(() -> LogSettings.load(none)).hasMessageContaining("no value for 'node.id'");
        assertThatThrownBy(() -> LogSettings.load(section)).hasMessageContaining("topic.defaults must be a mapping");
    }

    @Test
    void duplicateKeysAndBrokenYamlAreRefusedWithTheLine() throws IOException {
        // given
        Path dup = yaml("num.partitions: 1\nnum.partitions: 2\n");
        Path broken = tmp.resolve("broken.yaml");
        Files.writeString(broken, "node.id: 1\n  cluster.id: [x\n");
        Path notAMapping = tmp.resolve("list.yaml");
        Files.writeString(notAMapping, "- node.id\n");

        // then
        assertThatThrownBy(() -> LogSettings.load(dup)).isInstanceOf(CliException.class)
                .hasMessageContaining("not valid YAML").hasMessageContaining("num.partitions");
        assertThatThrownBy(() -> LogSettings.load(broken)).isInstanceOf(CliException.class)
                .hasMessageContaining("not valid YAML").hasMessageContaining("line ");
        assertThatThrownBy(() -> LogSettings.load(notAMapping)).isInstanceOf(CliException.class)
                .hasMessageContaining("expected a mapping");
    }

    @Test
    void missingFileIsRefused() {
        assertThatThrownBy(() -> LogSettings.load(tmp.resolve("none.yaml"))).isInstanceOf(CliException.class)
                .hasMessageContaining("does not exist");
    }
}
