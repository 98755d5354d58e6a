package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Committed offsets in {@code __consumer_offsets}: durable, replayed at start, deleted with tombstones. */
class OffsetStoreTest {
    static final TopicPartition A0 = new TopicPartition("a", 0);
    static final TopicPartition A1 = new TopicPartition("a", 1);

    @TempDir
    Path dir;
    LogManager log;
    final Time time = Time.SYSTEM;

    @BeforeEach
    void open() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
    }

    @AfterEach
    void close() {
        log.close();
    }

    OffsetStore reopen() {
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        return new OffsetStore(log, 1, time);
    }

    static CommittedOffset at(long offset) {
        return new CommittedOffset(offset, 3, "meta-" + offset, 1_700_000_000_000L);
    }

    @Test
    void firstCommitCreatesTheCompactedInternalTopicAndIsDurableWhenItCompletes() {
        // given no offsets topic
        OffsetStore store = new OffsetStore(log, 1, time);
        assertThat(log.topic(OffsetStore.TOPIC)).isEmpty();

        // when a group commits
        store.commit("g", Map.of(A0, at(5), A1, at(9))).join();

        // then the topic exists, compacted, and the commit's batch is below the high watermark
        assertThat(log.topic(OffsetStore.TOPIC)).hasValueSatisfying(t -> {
            assertThat(t.partitions()).isEqualTo(1);
            assertThat(t.config().compact()).as("cleanup.policy of %s", OffsetStore.TOPIC).isTrue();
        });
        PartitionLog p = log.partition(OffsetStore.TOPIC, 0);
        assertThat(p.highWatermark()).as("high watermark of the offsets partition").isEqualTo(2);
        assertThat(store.committed("g")).containsEntry(A0, at(5)).containsEntry(A1, at(9));
        assertThat(store.groups()).containsExactly("g");
    }

    @Test
    void latestOffsetsAndDeletionsSurviveARestartAndCompaction() {
        // given commits of two groups, a later commit of the same partition, and one group deleted
        OffsetStore store = new OffsetStore(log, 1, time);
        store.commit("g1", Map.of(A0, at(5))).join();
        store.commit("g2", Map.of(A0, at(1), A1, at(2))).join();
        store.commit("g1", Map.of(A0, at(7), A1, at(8))).join();
        assertThat(store.deleteGroups(List.of("g2", "never-existed")).join()).as("offsets deleted").isEqualTo(2);
        assertThat(store.committed("g2")).isEmpty();
        assertThat(store.hasOffsets("g2")).isFalse();

        // when the log restarts, and again after compaction rewrote the partition
        OffsetStore reloaded = reopen();
        assertThat(reloaded.committed("g1")).isEqualTo(Map.of(A0, at(7), A1, at(8)));
        assertThat(reloaded.groups()).containsExactly("g1");
        log.partition(OffsetStore.TOPIC, 0).roll();
        log.partition(OffsetStore.TOPIC, 0).flush();
        long removed = log.compactNow(OffsetStore.TOPIC, 0);
        OffsetStore compacted = reopen();

        // then each time only the latest offsets of the remaining group come back
        assertThat(removed).as("records compacted away").isGreaterThanOrEqualTo(2);
        assertThat(compacted.committed("g1")).isEqualTo(Map.of(A0, at(7), A1, at(8)));
        assertThat(compacted.committed("g2")).isEmpty();
        assertThat(compacted.hasOffsets("g1")).isTrue();
    }

    @Test
    void groupsAreSpreadOverTheConfiguredPartitionsLikeKafka() {
        OffsetStore store = new OffsetStore(log, 3, time);
        for (int i = 0; i < 20; i++) {
            store.commit("group-" + i, Map.of(A0, at(i))).join();
        }
        assertThat(log.topic(OffsetStore.TOPIC).orElseThrow().partitions()).isEqualTo(3);
        long total = 0;
        for (int p = 0; p < 3; p++) {
            total += log.partition(OffsetStore.TOPIC, p).highWatermark();
        }
        assertThat(total).isEqualTo(20);
        assertThat(store.partitionFor("group-7")).isEqualTo(Math.abs("group-7".hashCode()) % 3);
        OffsetStore reloaded = reopen();
        for (int i = 0; i < 20; i++) {
            assertThat(reloaded.committed("group-" + i)).as("offsets of group-%d", i).containsEntry(A0, at(i));
        }
    }

    @Test
    void replaySkipsRecordsThatAreNotOffsetCommits() {
        // given an offsets topic holding a group-metadata record (key version 2), a keyless record,
        // an unreadable value and one real commit
        log.createTopic(OffsetStore.TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        ByteBuffer groupKey = ByteBuffer.allocate(2 + 2 + 1).putShort((short) 2).putShort((short) 1).put((byte) 'g');
        byte[] realKey = OffsetRecords.key("g", A0);
        log.partition(OffsetStore.TOPIC, 0).append(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(1L, groupKey.array(), "whatever".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(1L, realKey, new byte[] {0, 9, 1}),
                new SimpleRecord(1L, realKey, OffsetRecords.value(at(4)))));
        log.partition(OffsetStore.TOPIC, 0).flush();

        // when the store loads it
        OffsetStore store = new OffsetStore(log, 1, time);

        // then only the commit counts
        assertThat(store.groups()).containsExactly("g");
        assertThat(store.committed("g")).isEqualTo(Map.of(A0, at(4)));
    }

    @Test
    void recordsUseKafkasOffsetCommitKeyAndValueLayout() {
        byte[] key = OffsetRecords.key("grp", new TopicPartition("tp", 7));
        assertThat(key).as("key bytes").containsExactly(0, 1, 0, 3, 'g', 'r', 'p', 0, 2, 't', 'p', 0, 0, 0, 7);
        ByteBuffer value = ByteBuffer.wrap(OffsetRecords.value(new CommittedOffset(42, 5, "m", 1000)));
        assertThat(value.getShort()).as("value version").isEqualTo((short) 3);
        assertThat(value.getLong()).isEqualTo(42);
        assertThat(value.getInt()).isEqualTo(5);
        assertThat(value.getShort()).isEqualTo((short) 1);
        assertThat(value.get()).isEqualTo((byte) 'm');
        assertThat(value.getLong()).isEqualTo(1000);
        assertThat(value.hasRemaining()).isFalse();
        assertThat(OffsetRecords.readKey(ByteBuffer.wrap(key))).isEqualTo(new OffsetRecords.Key("grp", new TopicPartition("tp", 7)));
        assertThat(OffsetRecords.readValue(ByteBuffer.wrap(OffsetRecords.value(at(11))))).isEqualTo(at(11));
    }
}
