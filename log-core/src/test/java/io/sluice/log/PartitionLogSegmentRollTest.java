package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;

/** When the log rolls to a new segment: segment.bytes, segment.ms, full indexes, segment.index.bytes. */
class PartitionLogSegmentRollTest extends PartitionLogFixture {
    @Test
    void rollsBySegmentBytes() throws IOException {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024"));

        // when
        for (int i = 0; i < 60; i++) {
            p.append(Batches.of(1000 + i, "value-" + i));
        }
        p.flush();

        // then
        List<Long> sizes = segmentSizes(p);
        assertThat(p.segmentCount()).isGreaterThan(3);
        assertThat(sizes).as("segment sizes").allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(1024));
        assertThat(sizes.subList(0, sizes.size() - 1)).as("inactive segments are nearly full")
                .allSatisfy(s -> assertThat(s).isGreaterThan(1024 - 100));
        assertThat(readAll(p)).hasSize(60);
    }

    @Test
    void batchLargerThanSegmentBytesGetsASegmentOfItsOwn() throws IOException {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "128"));

        for (int i = 0; i < 3; i++) {
            p.append(Batches.sized(2, 200, 1000, Compression.NONE));
        }
        p.flush();

        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 2L, 4L);
        assertThat(readAll(p)).hasSize(6);
    }

    @Test
    void rollsBySegmentMs() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_MS, "1000"));

        p.append(Batches.of(1000, "a"));
        time.advance(600);
        p.append(Batches.of(1000, "b"));
        time.advance(400);
        p.append(Batches.of(1000, "c"));
        assertThat(p.segmentBaseOffsets()).as("segments at exactly segment.ms").containsExactly(0L);
        time.advance(1);
        p.append(Batches.of(1000, "d"));
        time.advance(1001);
        p.append(Batches.of(1000, "e"));

        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 3L, 4L);
        p.flush();
        assertThat(readAll(p).values()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void rollsWhenTheIndexesAreFull() throws IOException {
        // given indexes of 48 bytes (6 offset entries, 4 time entries) and an entry per batch
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_INDEX_BYTES, "48",
                TopicConfig.INDEX_INTERVAL_BYTES, "0"));

        // when
        for (int i = 0; i < 40; i++) {
            p.append(Batches.of(1000 + i, "v" + i));
        }
        p.flush();

        // then
        assertThat(p.segmentCount()).isGreaterThan(5);
        for (long base : p.segmentBaseOffsets()) {
            assertThat(Files.size(SegmentFiles.index(p.dir(), base))).as("offset index of %d", base).isLessThanOrEqualTo(48);
            assertThat(Files.size(SegmentFiles.timeIndex(p.dir(), base))).as("time index of %d", base).isLessThanOrEqualTo(48);
        }
        for (int i = 0; i < 40; i++) {
            assertThat(p.offsetForTimestamp(1000 + i)).as("timestamp %d", 1000 + i).contains(new TimestampOffset(1000 + i, i));
        }
        PartitionLog q = reopen();
        assertThat(readAll(q)).hasSize(40);
        assertThat(q.offsetForTimestamp(1039)).contains(new TimestampOffset(1039, 39));
    }

    @Test
    void appendOfManyBatchesAtOnceOnASmallIndexSucceeds() {
        // given a partition whose indexes hold few entries
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_INDEX_BYTES, "48",
                TopicConfig.INDEX_INTERVAL_BYTES, "0"));
        MemoryRecords[] batches = new MemoryRecords[20];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = Batches.of(1000 + i, "v" + i);
        }

        // when: one append carries 20 batches (more than the indexes can hold)
        AppendResult r = p.append(concat(batches));
        p.append(Batches.of(2000, "after"));
        p.flush();

        // then
        assertThat(r.firstOffset()).isZero();
        assertThat(r.lastOffset()).isEqualTo(19);
        assertThat(readAll(p)).hasSize(21);
        assertThat(p.offsetForTimestamp(1019)).contains(new TimestampOffset(1019, 19));
        assertThat(p.offsetForTimestamp(1500)).contains(new TimestampOffset(2000, 20));
    }

    @Test
    void loweringSegmentIndexBytesKeepsExistingSegmentsUsableAfterRestart() {
        // given a segment with many index entries
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.INDEX_INTERVAL_BYTES, "0"));
        for (int i = 0; i < 30; i++) {
            p.append(Batches.of(1000 + i, "v" + i));
        }
        p.roll();
        p.append(Batches.of(2000, "active"));

        // when the index size is lowered below what the segment holds, and the log restarts
        log.alterTopicConfig("t", Map.of(TopicConfig.SEGMENT_INDEX_BYTES, "48"));
        PartitionLog q = reopen();

        // then
        assertThat(readAll(q)).hasSize(31);
        assertThat(q.offsetForTimestamp(1029)).contains(new TimestampOffset(1029, 29));
        assertThat(q.append(Batches.of(3000, "more")).firstOffset()).isEqualTo(31);
    }
}
