package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogManagerTest {
    @TempDir
    Path dir;
    LogManager log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private LogManager open() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        return log;
    }

    private LogManager restart() {
        log.close();
        return open();
    }

    @Test
    void createdTopicIsDescribedAndHasEmptyPartitions() {
        open();

        TopicDescription t = log.createTopic("orders", 3, Map.of(TopicConfig.RETENTION_MS, "1000"));

        assertThat(t.name()).isEqualTo("orders");
        assertThat(t.partitions()).isEqualTo(3);
        assertThat(t.topicId()).isNotNull().isNotEqualTo(Uuid.ZERO_UUID);
        assertThat(t.config().overrides()).containsExactly(Map.entry(TopicConfig.RETENTION_MS, "1000"));
        assertThat(log.topic("orders")).contains(t);
        assertThat(log.topics()).containsExactly(t);
        assertThat(log.partitions("orders")).hasSize(3);
        for (int p = 0; p < 3; p++) {
            PartitionLog partition = log.partition("orders", p);
            assertThat(partition.topicId()).isEqualTo(t.topicId());
            assertThat(partition.logEndOffset()).isZero();
            assertThat(partition.dir()).isEqualTo(dir.resolve("orders-" + p));
            assertThat(partition.config().retentionMs()).isEqualTo(1000);
        }
    }

    @Test
    void topicsAreListedByName() {
        open();
        log.createTopic("b", 1, Map.of());
        log.createTopic("a", 1, Map.of());
        log.createTopic("c", 1, Map.of());

        assertThat(log.topics()).extracting(TopicDescription::name).containsExactly("a", "b", "c");
    }

    @Test
    void creatingAnExistingTopicIsRefused() {
        open();
        TopicDescription first = log.createTopic("t", 1, Map.of());

        assertThatThrownBy(() -> log.createTopic("t", 2, Map.of()))
                .isInstanceOfSatisfying(TopicExistsException.class, e -> assertThat(e.topic()).isEqualTo("t"));
        assertThat(log.topic("t")).contains(first);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", ".", "..", "a/b", "a b", "tab\tname", "ü", "semi;colon", "../escape"})
    void invalidTopicNamesAreRefused(String name) {
        open();

        assertThatThrownBy(() -> log.createTopic(name, 1, Map.of())).isInstanceOf(InvalidTopicException.class);
        assertThat(log.topics()).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(Files::isDirectory).map(f -> f.getFileName().toString()).toList())
                    .as("directories after refusing topic \"%s\"", name).containsExactly("topics.meta");
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void topicNamesOfLegalCharactersUpTo249AreAccepted() {
        open();

        log.createTopic("a".repeat(249), 1, Map.of());
        log.createTopic("Mixed.Case_with-dash.0", 1, Map.of());

        assertThatThrownBy(() -> log.createTopic("a".repeat(250), 1, Map.of())).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> log.createTopic(null, 1, Map.of())).isInstanceOf(InvalidTopicException.class);
        assertThat(log.topics()).hasSize(2);
    }

    @Test
    void topicWithALongestNameLivesThroughItsWholeLifecycle() {
        // given a topic whose name has the 249 characters Kafka allows
        String name = "x".repeat(239) + ".long_name";
        assertThat(name).hasSize(249);
        open();
        TopicDescription t = log.createTopic(name, 2, Map.of(TopicConfig.RETENTION_MS, "86400000"));
        log.partition(name, 1).append(Batches.of(1000, "a"));

        // when / then: restart, alter, delete, restart
        restart();
        assertThat(log.topic(name)).contains(t);
        assertThat(log.partition(name, 1).logEndOffset()).isEqualTo(1);
        log.alterTopicConfig(name, Map.of(TopicConfig.RETENTION_MS, "1000"));
        log.deleteTopic(name);
        assertThat(log.topic(name)).isEmpty();
        restart();
        assertThat(log.topics()).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(Files::isDirectory).map(f -> f.getFileName().toString()).toList())
                    .as("directories after deleting the topic and restarting").containsExactly("topics.meta");
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
        try (var files = Files.list(dir.resolve("topics.meta"))) {
            assertThat(files.toList()).as("topic metadata files").isEmpty();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void partitionCountMustBePositive() {
        open();

        assertThatThrownBy(() -> log.createTopic("t", 0, Map.of())).isInstanceOf(InvalidTopicException.class);
        assertThat(log.topic("t")).isEmpty();
    }

    @Test
    void invalidConfigAtCreationIsRefused() {
        open();

        assertThatThrownBy(() -> log.createTopic("t", 1, Map.of("no.such.config", "1")))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.topic()).isEqualTo("t"));
        assertThatThrownBy(() -> log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "lots")))
                .isInstanceOf(InvalidConfigException.class);
        assertThat(log.topic("t")).isEmpty();
        assertThat(dir.resolve("t-0")).doesNotExist();
    }

    @Test
    void unknownTopicsAndPartitionsAreReported() {
        open();
        log.createTopic("t", 2, Map.of());

        assertThatThrownBy(() -> log.partition("nope", 0)).isInstanceOfSatisfying(UnknownTopicOrPartitionException.class,
                e -> assertThat(e.topic()).isEqualTo("nope"));
        assertThatThrownBy(() -> log.partition("t", 2)).isInstanceOfSatisfying(UnknownTopicOrPartitionException.class,
                e -> assertThat(e.partition()).isEqualTo(2));
        assertThatThrownBy(() -> log.partition("t", -1)).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> log.partitions("nope")).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> log.deleteTopic("nope")).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> log.createPartitions("nope", 3)).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> log.alterTopicConfig("nope", Map.of())).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> log.compactNow("nope", 0)).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(log.topic("nope")).isEmpty();
    }

    @Test
    void deletedTopicDisappearsAndItsPartitionsAreClosed() {
        open();
        log.createTopic("t", 2, Map.of());
        PartitionLog p = log.partition("t", 0);
        p.append(Batches.of(1000, "a"));

        log.deleteTopic("t");

        assertThat(log.topic("t")).isEmpty();
        assertThat(log.topics()).isEmpty();
        assertThatThrownBy(() -> log.partition("t", 0)).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> p.append(Batches.of(1000, "b"))).isInstanceOf(LogStorageException.class);
        assertThat(dir.resolve("t-0")).doesNotExist();
        assertThat(dir.resolve("topics.meta").resolve("t.topic")).doesNotExist();
    }

    @Test
    void recreatingADeletedTopicGivesANewIdAndEmptyPartitions() {
        // given a topic with data, deleted
        open();
        TopicDescription old = log.createTopic("t", 2, Map.of(TopicConfig.RETENTION_MS, "5000"));
        for (int p = 0; p < 2; p++) {
            log.partition("t", p).append(Batches.of(1000, "old-" + p, "old"));
            log.partition("t", p).flush();
        }
        log.deleteTopic("t");

        // when
        TopicDescription recreated = log.createTopic("t", 1, Map.of());

        // then
        assertThat(recreated.topicId()).isNotEqualTo(old.topicId());
        assertThat(recreated.partitions()).isEqualTo(1);
        assertThat(recreated.config().overrides()).isEmpty();
        PartitionLog p = log.partition("t", 0);
        assertThat(p.topicId()).isEqualTo(recreated.topicId());
        assertThat(p.logEndOffset()).isZero();
        assertThat(p.highWatermark()).isZero();
        assertThat(p.read(0, 1 << 20).isEmpty()).isTrue();
        assertThatThrownBy(() -> log.partition("t", 1)).isInstanceOf(UnknownTopicOrPartitionException.class);

        // and after a restart (the old topic's files may still be waiting for deletion)
        restart();
        PartitionLog q = log.partition("t", 0);
        assertThat(log.topic("t").orElseThrow().topicId()).isEqualTo(recreated.topicId());
        assertThat(q.logEndOffset()).isZero();
        assertThat(log.topic("t").orElseThrow().partitions()).isEqualTo(1);
        assertThat(dir.resolve("t-1")).doesNotExist();
    }

    @Test
    void deletedTopicStaysDeletedAfterRestart() {
        open();
        log.createTopic("t", 1, Map.of());
        log.partition("t", 0).append(Batches.of(1000, "a"));
        log.deleteTopic("t");

        restart();

        assertThat(log.topic("t")).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(Files::isDirectory).map(f -> f.getFileName().toString()).toList())
                    .as("directories after restart").containsExactly("topics.meta");
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void createPartitionsAddsEmptyPartitionsAndIsPersisted() {
        // given
        open();
        TopicDescription t = log.createTopic("t", 1, Map.of());
        log.partition("t", 0).append(Batches.of(1000, "a", "b"));

        // when
        TopicDescription grown = log.createPartitions("t", 3);

        // then
        assertThat(grown.partitions()).isEqualTo(3);
        assertThat(grown.topicId()).isEqualTo(t.topicId());
        assertThat(log.partitions("t")).hasSize(3);
        assertThat(log.partition("t", 0).logEndOffset()).isEqualTo(2);
        assertThat(log.partition("t", 2).logEndOffset()).isZero();
        assertThat(log.partition("t", 2).topicId()).isEqualTo(t.topicId());
        assertThatThrownBy(() -> log.createPartitions("t", 3)).isInstanceOf(InvalidTopicException.class);
        assertThatThrownBy(() -> log.createPartitions("t", 2)).isInstanceOf(InvalidTopicException.class);

        restart();
        assertThat(log.topic("t").orElseThrow().partitions()).isEqualTo(3);
        assertThat(log.partitions("t")).hasSize(3);
        assertThat(log.partition("t", 0).logEndOffset()).isEqualTo(2);
    }

    @Test
    void alteredConfigAppliesAtOnceAndIsPersistedAcrossRestart() {
        // given
        open();
        log.createTopic("t", 2, Map.of(TopicConfig.RETENTION_MS, "1000"));

        // when
        Map<String, String> changes = new HashMap<>();
        changes.put(TopicConfig.SEGMENT_BYTES, "2048");
        changes.put(TopicConfig.RETENTION_MS, null); // back to the default
        TopicDescription altered = log.alterTopicConfig("t", changes);

        // then
        assertThat(altered.config().overrides()).containsExactly(Map.entry(TopicConfig.SEGMENT_BYTES, "2048"));
        assertThat(log.partition("t", 1).config().segmentBytes()).isEqualTo(2048);
        assertThat(log.partition("t", 1).config().retentionMs()).isEqualTo(TopicConfig.defaults().retentionMs());

        restart();
        TopicDescription reloaded = log.topic("t").orElseThrow();
        assertThat(reloaded.config().overrides()).containsExactly(Map.entry(TopicConfig.SEGMENT_BYTES, "2048"));
        assertThat(reloaded.topicId()).isEqualTo(altered.topicId());
        assertThat(log.partition("t", 0).config().segmentBytes()).isEqualTo(2048);
    }

    @Test
    void invalidConfigChangeIsRefusedAndChangesNothing() {
        open();
        TopicDescription t = log.createTopic("t", 1, Map.of(TopicConfig.RETENTION_MS, "1000"));

        assertThatThrownBy(() -> log.alterTopicConfig("t", Map.of(TopicConfig.RETENTION_MS, "-5")))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.topic()).isEqualTo("t");
                    assertThat(e.getMessage()).contains(TopicConfig.RETENTION_MS);
                });
        assertThatThrownBy(() -> log.alterTopicConfig("t", Map.of("no.such.config", "1")))
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> log.alterTopicConfig("t", Map.of(TopicConfig.CLEANUP_POLICY, "shred")))
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> log.alterTopicConfig("t", Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "1.5")))
                .isInstanceOf(InvalidConfigException.class);

        assertThat(log.topic("t")).contains(t);
        assertThat(log.partition("t", 0).config().retentionMs()).isEqualTo(1000);
        restart();
        assertThat(log.topic("t").orElseThrow().config().overrides())
                .containsExactly(Map.entry(TopicConfig.RETENTION_MS, "1000"));
    }

    @Test
    void topicMetadataIsPersistedAcrossRestart() {
        // given
        open();
        TopicDescription a = log.createTopic("a", 4, Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        TopicDescription b = log.createTopic("b", 1, Map.of());
        log.partition("a", 3).append(Batches.keyed(1000, new String[] {"k"}, new String[] {"v"}));

        // when
        restart();

        // then
        assertThat(log.topics()).containsExactly(a, b);
        assertThat(log.topic("a").orElseThrow().config().compact()).isTrue();
        assertThat(log.partitions("a")).hasSize(4);
        assertThat(log.partition("a", 3).topicId()).isEqualTo(a.topicId());
        assertThat(log.partition("a", 3).highWatermark()).isEqualTo(1);
        assertThat(log.partition("b", 0).topicId()).isEqualTo(b.topicId());
    }

    @Test
    void topicMetadataIsPersistedAcrossAnUncleanStop() {
        open();
        TopicDescription t = log.createTopic("t", 2, Map.of(TopicConfig.SEGMENT_MS, "60000"));
        log.abort();

        open();

        assertThat(log.topics()).containsExactly(t);
        assertThat(log.partitions("t")).hasSize(2);
    }

    @Test
    void aSecondLogOnTheSameDataDirIsRefusedWhileTheFirstIsOpen() {
        // given
        open();
        log.createTopic("t", 1, Map.of());

        // then
        assertThatThrownBy(() -> LogManager.open(LogManagerConfig.defaults(dir)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("in use");
        assertThat(log.partition("t", 0).append(Batches.of(1000, "still works")).firstOffset()).isZero();

        // and once the first is closed, the directory can be opened again
        log.close();
        log = null;
        open();
        assertThat(log.topic("t")).isPresent();
    }

    @Test
    void aClosedLogRefusesAdministration() {
        open();
        log.close();

        assertThatThrownBy(() -> log.createTopic("t", 1, Map.of())).isInstanceOf(IllegalStateException.class);
        log = null;
    }

    /** Run in a separate JVM: prints whether it could take the data directory's lock. */
    public static final class LockProbe {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                System.out.print(lock != null ? "acquired" : "refused");
            }
        }
    }

    private String probeLockFromAnotherProcess() throws Exception {
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockProbe.class.getName(), dir.resolve(".lock").toString())
                .redirectErrorStream(true).start();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("lock probe finished").isTrue();
        return new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    @Test
    void aRefusedSecondOpenLeavesTheDataDirLockedAgainstOtherProcesses() throws Exception {
        // given an open log, and a second open in the same process that is refused
        open();
        assertThat(probeLockFromAnotherProcess()).as("lock probe while the log is open").isEqualTo("refused");
        assertThatThrownBy(() -> LogManager.open(LogManagerConfig.defaults(dir))).isInstanceOf(UncheckedIOException.class);

        // then another process still cannot take the directory
        assertThat(probeLockFromAnotherProcess()).as("lock probe after a refused second open").isEqualTo("refused");

        // and once closed it can
        log.close();
        log = null;
        assertThat(probeLockFromAnotherProcess()).as("lock probe after close").isEqualTo("acquired");
    }
}
