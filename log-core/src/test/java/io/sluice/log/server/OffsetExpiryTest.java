package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committed offsets are deleted once nobody will read them (KIP-211): a group without members keeps them
 * for the retention after it was first seen empty or after its newest commit, and offsets of a deleted topic
 * go. The deletions are tombstones: a store replayed from the log
 * agrees.
 */
class OffsetExpiryTest {
    static final long DAY = 24 * 3_600_000L;

    @TempDir
    Path dir;
    final ManualGroupTimer timer = new ManualGroupTimer();

    static CommittedOffset at(long offset, long commitMs) {
        return new CommittedOffset(offset, -1, "", commitMs);
    }

    @Test
    void aGroupWithoutMembersLosesItsOffsetsAfterTheRetentionCountedFromItsNewestCommit() throws Exception {
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir))) {
            log.createTopic("t", 2, Map.of());
            OffsetStore offsets = new OffsetStore(log, 1, Time.SYSTEM);
            GroupCoordinator groups = new GroupCoordinator(GroupCoordinatorConfig.defaults()
                    .withSessionTimeoutRange(1_000, 30 * 60_000), timer, offsets::hasOffsets, () -> { });
            OffsetExpiry expiry = new OffsetExpiry(groups, offsets, log, timer, 7 * DAY, 600_000);
            TopicPartition t0 = new TopicPartition("t", 0);
            offsets.commit("standalone", Map.of(t0, at(5, timer.nowMs()))).join();
            offsets.commit("other", Map.of(t0, at(7, timer.nowMs() + 5 * DAY))).join(); // committed later

            expiry.run();
            timer.advance(6 * DAY);
            expiry.run();
            assertThat(offsets.committed("standalone")).as("6 days without members or commits").containsKey(t0);

            // the standalone consumer commits again: it keeps its offsets alive without ever joining
            offsets.commit("standalone", Map.of(t0, at(6, timer.nowMs()))).join();
            timer.advance(2 * DAY);
            assertThat(expiry.run()).isZero();
            assertThat(offsets.committed("standalone")).containsKey(t0);

            timer.advance(6 * DAY);
            assertThat(expiry.run()).as("offsets deleted: 8 days after standalone's last commit, 9 after other's").isEqualTo(2);
            await(() -> offsets.committed("standalone").isEmpty());
            assertThat(offsets.committed("other")).as("a group whose newest commit is 9 days old")
                    .isEmpty();

            // replayed from __consumer_offsets, the store agrees
            OffsetStore replayed = new OffsetStore(log, 1, Time.SYSTEM);
            assertThat(replayed.committed("standalone")).isEmpty();
            assertThat(replayed.groups()).isEmpty();
        }
    }

    @Test
    void offsetsOfADeletedTopicGo() throws Exception {
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir))) {
            log.createTopic("kept", 1, Map.of());
            log.createTopic("gone", 1, Map.of());
            OffsetStore offsets = new OffsetStore(log, 1, Time.SYSTEM);
            GroupCoordinator groups = new GroupCoordinator(GroupCoordinatorConfig.defaults(), timer, offsets::hasOffsets,
                    () -> { });
            OffsetExpiry expiry = new OffsetExpiry(groups, offsets, log, timer, 7 * DAY, 600_000);
            TopicPartition kept = new TopicPartition("kept", 0);
            TopicPartition gone = new TopicPartition("gone", 0);
            offsets.commit("g", Map.of(kept, at(1, timer.nowMs()), gone, at(2, timer.nowMs()))).join();

            log.deleteTopic("gone");
            expiry.topicDeleted("gone");

            await(() -> !offsets.committed("g").containsKey(gone));
            assertThat(offsets.committed("g")).containsOnlyKeys(kept);
        }
    }

    static void await(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(condition::getAsBoolean);
    }
}
