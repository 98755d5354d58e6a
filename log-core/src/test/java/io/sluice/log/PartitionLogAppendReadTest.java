package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Appends, reads and the high watermark: offsets, what is readable before and after a flush, restart. */
class PartitionLogAppendReadTest extends PartitionLogFixture {
    @Test
    void appendsAssignOffsetsAndReadBackAfterFlush() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 2, Map.of());
        PartitionLog p = log.partition("t", 1);
        AppendResult a = p.append(Batches.of(1000, "a", "b", "c"));
        AppendResult b = p.append(Batches.of(1000, "d"));
        assertThat(a.firstOffset()).isEqualTo(0);
        assertThat(a.lastOffset()).isEqualTo(2);
        assertThat(b.firstOffset()).isEqualTo(3);
        p.awaitDurable(3).join();
        assertThat(p.highWatermark()).isEqualTo(4);
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("a", "b", "c", "d");
        assertThat(values(p.read(1, 1 << 20).records())).startsWith("a"); // whole batch holding offset 1
        assertThat(p.read(4, 100).isEmpty()).isTrue();
        assertThatThrownBy(() -> p.read(5, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void survivesCleanRestartAndRollsSegments() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        PartitionLog p = log.partition("t", 0);
        for (int i = 0; i < 100; i++) {
            p.append(Batches.of(1000 + i, "value-" + i));
        }
        p.flush();
        int segments = p.segmentCount();
        assertThat(segments).isGreaterThan(3);
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        PartitionLog q = log.partition("t", 0);
        assertThat(q.highWatermark()).isEqualTo(100);
        assertThat(q.segmentCount()).isEqualTo(segments);
        List<String> all = new ArrayList<>();
        long next = 0;
        while (next < 100) {
            List<String> got = values(q.read(next, 4096).records());
            all.addAll(got);
            next += got.size();
        }
        assertThat(all).hasSize(100).startsWith("value-0").endsWith("value-99");
        assertThat(q.offsetForTimestamp(1050)).contains(new TimestampOffset(1050, 50));
        assertThat(q.append(Batches.of(5, "after")).firstOffset()).isEqualTo(100);
    }

    // ------------------------------------------------------------------ high watermark

    @Test
    void readAtTheHighWatermarkIsEmpty() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a", "b"));
        p.flush();

        ReadResult r = p.read(2, 1 << 20);

        assertThat(r.isEmpty()).isTrue();
        assertThat(r.highWatermark()).isEqualTo(2);
        assertThat(r.logStartOffset()).isZero();
    }

    @Test
    void dataNotYetDurableIsNotReadable() {
        // given an append that nothing has fsynced yet
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a", "b", "c"));
        assertThat(p.logEndOffset()).isEqualTo(3);
        assertThat(p.highWatermark()).isZero();

        // then: offset 0 is the high watermark (empty), above it is out of range
        assertThat(p.read(0, 1 << 20).isEmpty()).isTrue();
        assertThatThrownBy(() -> p.read(1, 1 << 20))
                .isInstanceOfSatisfying(OffsetOutOfRangeException.class, e -> {
                    assertThat(e.requested()).isEqualTo(1);
                    assertThat(e.highWatermark()).isZero();
                    assertThat(e.logStartOffset()).isZero();
                    assertThat(e.topic()).isEqualTo("t");
                    assertThat(e.partition()).isZero();
                });
        assertThat(p.offsetForTimestamp(0)).as("timestamp search below the high watermark").isEmpty();

        // when
        long hw = p.flush();

        // then
        assertThat(hw).isEqualTo(3);
        assertThat(values(p.read(1, 1 << 20).records())).containsExactly("a", "b", "c");
        assertThat(p.offsetForTimestamp(0)).contains(new TimestampOffset(1000, 0));
    }

    @Test
    void readAboveTheHighWatermarkIsOutOfRange() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a"));
        p.flush();

        assertThatThrownBy(() -> p.read(2, 100)).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("t-0").hasMessageContaining("offset 2");
        assertThatThrownBy(() -> p.read(-1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }
}
