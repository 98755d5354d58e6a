package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Retention: deleting whole segments by retention.ms and retention.bytes, the log start offset, and the delete
 * delay.
 */
class PartitionLogRetentionTest extends PartitionLogFixture {
    /** Appends batches of one record each with the given timestamps; returns the record timestamps. */
    private static void appendTimed(PartitionLog p, long timestamp, int count) {
        for (int i = 0; i < count; i++) {
            p.append(Batches.of(timestamp, "r" + i + "-" + "x".repeat(40)));
        }
    }

    @Test
    void retentionMsDeletesWholeExpiredSegmentsButNeverTheActiveOne() throws IOException {
        // given old records, then recent ones, in segments of ~1 KiB
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.RETENTION_MS, "100000"));
        long old = START_MS - 500_000;
        appendTimed(p, old, 40);
        appendTimed(p, START_MS, 40);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();
        long firstRecent = 40;

        // when
        log.runMaintenance();

        // then: every segment wholly below offset 40 is gone; the one holding offset 40 stays
        long expectedStart = before.stream().filter(b -> b <= firstRecent).mapToLong(Long::longValue).max().orElseThrow();
        assertThat(p.logStartOffset()).isEqualTo(expectedStart);
        assertThat(p.segmentBaseOffsets()).isEqualTo(before.subList(before.indexOf(expectedStart), before.size()));
        assertThatThrownBy(() -> p.read(expectedStart - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(p.read(expectedStart, 100).records().batches().iterator().next().baseOffset()).isEqualTo(expectedStart);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG + SegmentFiles.DELETED))
                .hasSize(before.indexOf(expectedStart));

        // when everything has expired, including the active segment
        time.advance(1_000_000);
        log.runMaintenance();

        // then the active segment stays
        long active = before.get(before.size() - 1);
        assertThat(p.segmentBaseOffsets()).containsExactly(active);
        assertThat(p.logStartOffset()).isEqualTo(active);
        assertThat(readAll(p)).hasSize((int) (80 - active));
    }

    @Test
    void retentionBytesDeletesOldestWholeSegmentsAboveTheLimit() throws IOException {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.RETENTION_BYTES, "3000"));
        appendTimed(p, START_MS, 80);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();

        // when
        log.runMaintenance();

        // then: the oldest segments went, as long as at least retention.bytes remain
        List<Long> after = p.segmentBaseOffsets();
        assertThat(after.size()).isLessThan(before.size());
        assertThat(after).isEqualTo(before.subList(before.size() - after.size(), before.size()));
        List<Long> sizes = segmentSizes(p);
        assertThat(p.sizeInBytes()).as("bytes kept").isGreaterThanOrEqualTo(3000);
        assertThat(p.sizeInBytes() - sizes.get(0)).as("bytes kept without the oldest segment").isLessThan(3000);
        assertThat(p.logStartOffset()).isEqualTo(after.get(0));

        // and a limit of 0 leaves only the active segment
        log.alterTopicConfig("t", Map.of(TopicConfig.RETENTION_BYTES, "0"));
        log.runMaintenance();
        assertThat(p.segmentBaseOffsets()).containsExactly(before.get(before.size() - 1));
    }

    @Test
    void logStartOffsetSurvivesRestart() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();
        log.runMaintenance();
        long start = p.logStartOffset();
        assertThat(start).isPositive();

        PartitionLog q = reopen();

        assertThat(q.logStartOffset()).isEqualTo(start);
        assertThat(q.segmentBaseOffsets()).containsExactly(start);
        assertThatThrownBy(() -> q.read(0, 100)).isInstanceOfSatisfying(OffsetOutOfRangeException.class,
                e -> assertThat(e.logStartOffset()).isEqualTo(start));
        assertThat(readAll(q)).hasSize((int) (40 - start));
    }

    @Test
    void deletedSegmentsStayReadableUntilTheDeleteDelayPasses() throws IOException {
        // given a read taken before retention deletes its segment (file.delete.delay.ms is 60 s by default)
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();
        ReadResult inFlight = p.read(0, 1 << 20);
        List<String> expected = values(p.read(0, 1 << 20).records());

        // when
        log.runMaintenance();

        // then: the files are renamed, not removed, and the read still works
        assertThat(p.logStartOffset()).isPositive();
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG)).hasSize(1);
        int deleted = before.size() - 1;
        assertThat(deleted).isPositive();
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.INDEX + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.TIME_INDEX + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(SegmentFiles.log(p.dir(), 0)).doesNotExist();
        assertThat(values(inFlight.records())).isEqualTo(expected).isNotEmpty();
    }

    @Test
    void deletedSegmentFilesAreRemovedAfterTheDeleteDelay() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0",
                TopicConfig.FILE_DELETE_DELAY_MS, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();

        log.runMaintenance();

        assertThat(p.logStartOffset()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> filesEndingWith(p.dir(), SegmentFiles.DELETED).isEmpty());
        assertThat(SegmentFiles.log(p.dir(), p.logStartOffset())).exists();
    }
}
