package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.kafka.common.record.FileRecords;
import org.junit.jupiter.api.Test;

/** The files of a {@link LogSegment}: their names, suffixes, renames and deletion. */
class LogSegmentFilesTest extends LogSegmentFixture {
    // ------------------------------------------------------------------ names

    @Test
    void filesAreNamedByTheBaseOffsetInTwentyDigits() throws IOException {
        LogSegment s = open(42, NO_INDEX, INDEX_BYTES);

        assertThat(s.logPath().getFileName().toString()).isEqualTo("00000000000000000042.log");
        assertThat(s.indexPath().getFileName().toString()).isEqualTo("00000000000000000042.index");
        assertThat(s.timeIndexPath().getFileName().toString()).isEqualTo("00000000000000000042.timeindex");
        assertThat(SegmentFiles.offsetOf("00000000000000000042.log.deleted")).hasValue(42);
        assertThat(SegmentFiles.offsetOf("0000000000000000004x.log")).isEmpty();
        assertThat(SegmentFiles.offsetOf("42.log")).isEmpty();
    }

    @Test
    void addSuffixRenamesAllThreeFilesAndReadsStillWork() throws IOException {
        // given
        LogSegment s = open(0, 0, INDEX_BYTES);
        appendBatches(s, 0, 3, 2);
        FileRecords before = s.read(0, Integer.MAX_VALUE, s.sizeInBytes());

        // when
        s.addSuffix(SegmentFiles.DELETED);

        // then
        assertThat(dir.resolve("00000000000000000000.log.deleted")).exists();
        assertThat(dir.resolve("00000000000000000000.index.deleted")).exists();
        assertThat(dir.resolve("00000000000000000000.timeindex.deleted")).exists();
        assertThat(SegmentFiles.log(dir, 0)).doesNotExist();
        assertThat(SegmentFiles.index(dir, 0)).doesNotExist();
        assertThat(SegmentFiles.timeIndex(dir, 0)).doesNotExist();
        assertThat(s.logPath()).isEqualTo(dir.resolve("00000000000000000000.log.deleted"));
        assertThat(offsets(before)).as("a read taken before the rename").containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(batchRanges(s.read(3, Integer.MAX_VALUE, s.sizeInBytes()))).containsExactly("3-4");
    }

    @Test
    void cleanedSegmentMovesThroughSwapToItsPlainNames() throws IOException {
        // given a segment written under the .cleaned suffix
        LogSegment s = LogSegment.open(FileIO.real(), dir, 5, 0, INDEX_BYTES, 0L, SegmentFiles.CLEANED);
        opened.add(s);
        appendBatches(s, 5, 2, 2);
        assertThat(s.logPath().getFileName().toString()).isEqualTo("00000000000000000005.log.cleaned");

        // when
        s.replaceSuffix(SegmentFiles.CLEANED, SegmentFiles.SWAP);

        // then
        assertThat(s.logPath().getFileName().toString()).isEqualTo("00000000000000000005.log.swap");
        assertThat(s.indexPath().getFileName().toString()).isEqualTo("00000000000000000005.index.swap");
        assertThat(s.timeIndexPath().getFileName().toString()).isEqualTo("00000000000000000005.timeindex.swap");
        assertThatThrownBy(() -> s.replaceSuffix(SegmentFiles.CLEANED, SegmentFiles.SWAP))
                .isInstanceOf(IllegalStateException.class);

        // when
        s.renameToPlain();

        // then
        assertThat(s.logPath()).isEqualTo(SegmentFiles.log(dir, 5));
        assertThat(s.indexPath()).isEqualTo(SegmentFiles.index(dir, 5));
        assertThat(s.timeIndexPath()).isEqualTo(SegmentFiles.timeIndex(dir, 5));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "00000000000000000005.index", "00000000000000000005.log", "00000000000000000005.timeindex");
        }
        s.seal();
        s.flush();
        close(s);
        LogSegment reopened = open(5, 0, INDEX_BYTES);
        reopened.load();
        assertThat(reopened.nextOffset()).isEqualTo(9);
        assertThat(offsets(reopened.read(5, Integer.MAX_VALUE, reopened.sizeInBytes()))).containsExactly(5L, 6L, 7L, 8L);
    }

    @Test
    void closeAndDeleteRemovesTheThreeFiles() throws IOException {
        LogSegment s = open(0, 0, INDEX_BYTES);
        appendBatches(s, 0, 1, 1);
        s.addSuffix(SegmentFiles.DELETED);
        opened.remove(s);

        s.closeAndDelete();

        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
