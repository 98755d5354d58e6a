package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Idempotent producers: duplicates, sequences, epochs, and the producer state across restarts. */
class PartitionLogIdempotenceTest extends PartitionLogFixture {
    @Test
    void duplicateBatchIsAnsweredWithTheOriginalOffsetsAndNotWrittenAgain() {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "plain"));
        AppendResult original = p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));
        long end = p.logEndOffset();
        long bytes = p.sizeInBytes();

        // when: the producer re-sends its first batch (sequences 0-1)
        AppendResult dup = p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));

        // then
        assertThat(original).isEqualTo(new AppendResult(1, 2, -1, false));
        assertThat(dup).isEqualTo(new AppendResult(1, 2, -1, true));
        assertThat(p.logEndOffset()).isEqualTo(end);
        assertThat(p.sizeInBytes()).isEqualTo(bytes);
        assertThat(p.producerState()).containsKey(7L);
        assertThat(p.producerState().get(7L).epoch()).isZero();
        p.flush();
        assertThat(readAll(p).values()).containsExactly("plain", "a", "b", "c");
    }

    @Test
    void sequenceGapIsRefusedAsOutOfOrder() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 0, 5, "c")))
                .isInstanceOfSatisfying(ProducerStateException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE);
                    assertThat(e.topic()).isEqualTo("t");
                    assertThat(e.partition()).isZero();
                });
        assertThat(p.logEndOffset()).isEqualTo(2);
        assertThat(p.append(Batches.idempotent(7L, (short) 0, 2, "c")).firstOffset()).isEqualTo(2);
    }

    @Test
    void olderEpochIsRefusedAsFenced() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 3, 0, "a"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 2, 1, "b")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.INVALID_PRODUCER_EPOCH));
        assertThat(p.logEndOffset()).isEqualTo(1);
    }

    @Test
    void newEpochMustStartAtSequenceZero() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b", "c"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 1, 3, "d")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE));
        AppendResult bumped = p.append(Batches.idempotent(7L, (short) 1, 0, "d"));

        assertThat(bumped).isEqualTo(new AppendResult(3, 3, -1, false));
        assertThat(p.producerState().get(7L).epoch()).isEqualTo((short) 1);
        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 0, 3, "late")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.INVALID_PRODUCER_EPOCH));
    }

    @Test
    void producerStateSurvivesACleanRestart() throws IOException {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));

        // when
        PartitionLog q = reopen();

        // then
        assertThat(filesEndingWith(q.dir(), SegmentFiles.SNAPSHOT)).as("snapshot written at close").isNotEmpty();
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 2, "c"))).isEqualTo(new AppendResult(2, 2, -1, true));
        assertThatThrownBy(() -> q.append(Batches.idempotent(7L, (short) 0, 9, "gap")))
                .isInstanceOf(ProducerStateException.class);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 3, "d"))).isEqualTo(new AppendResult(3, 3, -1, false));
    }

    @Test
    void producerStateIsRebuiltByReplayAfterAnUncleanRestart() throws Exception {
        // given durable idempotent batches and no snapshot
        PartitionLog p = topic(Map.of());
        p.append(Batches.of(1000, "plain"));
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));
        p.awaitDurable(3).get(10, TimeUnit.SECONDS);
        Path partitionDir = p.dir();

        // when: stopped like a crash
        log.abort();
        assertThat(filesEndingWith(partitionDir, SegmentFiles.SNAPSHOT)).as("snapshots after abort").isEmpty();
        log = null;
        openManual();
        PartitionLog q = log.partition("t", 0);

        // then
        assertThat(q.logEndOffset()).isEqualTo(4);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"))).isEqualTo(new AppendResult(1, 2, -1, true));
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 2, "c"))).isEqualTo(new AppendResult(3, 3, -1, true));
        assertThat(q.logEndOffset()).isEqualTo(4);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 3, "d")).firstOffset()).isEqualTo(4);
    }

    @Test
    void producerStateCombinesTheSnapshotWithAReplayOfLaterBatches() throws Exception {
        // given a clean restart (snapshot at offset 1), then more batches, then a crash
        PartitionLog p = topic(Map.of());
        p.append(Batches.idempotent(7L, (short) 0, 0, "a"));
        p = reopen();
        p.append(Batches.idempotent(7L, (short) 0, 1, "b"));
        p.append(Batches.idempotent(9L, (short) 0, 0, "other"));
        p.awaitDurable(2).get(10, TimeUnit.SECONDS);
        log.abort();
        log = null;

        // when
        openManual();
        PartitionLog q = log.partition("t", 0);

        // then
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 0, "a"))).isEqualTo(new AppendResult(0, 0, -1, true));
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 1, "b"))).isEqualTo(new AppendResult(1, 1, -1, true));
        assertThat(q.append(Batches.idempotent(9L, (short) 0, 0, "other"))).isEqualTo(new AppendResult(2, 2, -1, true));
    }

    @Test
    void acceptsConsecutiveBatchesOfOneProducerInOneAppendAndRefusesAGapBetweenThem() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("multi", 1, Map.of());
        PartitionLog p = log.partition("multi", 0);
        java.nio.ByteBuffer two = java.nio.ByteBuffer.allocate(4096);
        two.put(Batches.idempotent(7L, (short) 0, 0, "a", "b").buffer());
        two.put(Batches.idempotent(7L, (short) 0, 2, "c").buffer());
        two.flip();

        AppendResult r = p.append(org.apache.kafka.common.record.MemoryRecords.readableRecords(two));

        assertThat(r.firstOffset()).isEqualTo(0);
        assertThat(r.lastOffset()).isEqualTo(2);
        java.nio.ByteBuffer gap = java.nio.ByteBuffer.allocate(4096);
        gap.put(Batches.idempotent(8L, (short) 0, 0, "x").buffer());
        gap.put(Batches.idempotent(8L, (short) 0, 5, "y").buffer());
        gap.flip();
        assertThatThrownBy(() -> p.append(org.apache.kafka.common.record.MemoryRecords.readableRecords(gap)))
                .isInstanceOf(ProducerStateException.class)
                .hasMessageContaining("same append");
        assertThat(p.logEndOffset()).as("log end after the refused append").isEqualTo(3);
    }
}
