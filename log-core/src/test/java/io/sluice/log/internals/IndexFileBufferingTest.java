package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Index entries are buffered in memory and written in groups; every way out of the buffer must reach the file. */
class IndexFileBufferingTest {
    private static final FileIO IO = FileIO.real();
    private static final int ENTRIES = 3 * IndexFile.PENDING_ENTRIES + 5; // some written in groups, some still buffered

    @TempDir
    Path dir;

    @Test
    void closeWritesEveryBufferedOffsetIndexEntry() throws IOException {
        // given entries appended to an offset index, the last ones still buffered
        Path path = dir.resolve("0.index");
        OffsetIndex index = new OffsetIndex(IO, path, 1000, 10_000);
        for (int i = 0; i < ENTRIES; i++) {
            index.append(1000 + 10L * i, 100 * i + 1);
        }
        // when it is closed
        index.close();
        // then the file holds every entry and loads back to the same lookups
        assertThat(Files.size(path)).as("size of %s", path).isEqualTo((long) ENTRIES * OffsetIndex.ENTRY_SIZE);
        OffsetIndex reloaded = new OffsetIndex(IO, path, 1000, 10_000);
        assertThat(reloaded.load(Integer.MAX_VALUE)).as("reloaded index is consistent").isTrue();
        assertThat(reloaded.entries()).isEqualTo(ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            assertThat(reloaded.lookup(1000 + 10L * i + 5)).as("position of offset %d", 1000 + 10L * i + 5)
                    .isEqualTo(100 * i + 1);
        }
        reloaded.close();
    }

    @Test
    void resetDropsWrittenAndBufferedEntries() throws IOException {
        // given an offset index with entries both written and buffered
        Path path = dir.resolve("0.index");
        OffsetIndex index = new OffsetIndex(IO, path, 0, 10_000);
        for (int i = 0; i < ENTRIES; i++) {
            index.append(10L * i + 1, 100 * i + 1);
        }
        // when it is reset (as before a rebuild) and gets three new entries
        index.reset();
        index.append(5, 50);
        index.append(6, 60);
        index.append(7, 70);
        index.close();
        // then only the new entries are in the file
        assertThat(Files.size(path)).as("size of %s", path).isEqualTo(3L * OffsetIndex.ENTRY_SIZE);
        OffsetIndex reloaded = new OffsetIndex(IO, path, 0, 10_000);
        assertThat(reloaded.load(Integer.MAX_VALUE)).isTrue();
        assertThat(reloaded.entries()).isEqualTo(3);
        assertThat(reloaded.lookup(6)).isEqualTo(60);
        reloaded.close();
    }

    @Test
    void flushOfASealedSegmentWritesBothIndexesWhileItStaysOpen() throws IOException {
        // given a segment with an index entry for every batch after the first (index.interval.bytes = 0)
        LogSegment segment = LogSegment.open(IO, dir, 0, 0, 1 << 20, 0);
        for (int i = 0; i < ENTRIES; i++) {
            segment.append(batch(i));
        }
        // when it is sealed and flushed, as a roll does, and is not closed
        segment.seal();
        segment.flush();
        // then the index files on disk already hold every entry
        int entries = ENTRIES - 1;
        assertThat(Files.size(segment.indexPath())).as("size of %s", segment.indexPath())
                .isEqualTo((long) entries * OffsetIndex.ENTRY_SIZE);
        assertThat(Files.size(segment.timeIndexPath())).as("size of %s", segment.timeIndexPath())
                .isEqualTo((long) entries * TimeIndex.ENTRY_SIZE);
        OffsetIndex offsets = new OffsetIndex(IO, segment.indexPath(), 0, 1 << 17);
        assertThat(offsets.load(segment.sizeInBytes())).as("on-disk offset index is consistent").isTrue();
        TimeIndex times = new TimeIndex(IO, segment.timeIndexPath(), 0, 1 << 16);
        assertThat(times.load(segment.nextOffset())).as("on-disk time index is consistent").isTrue();
        assertThat(times.lastTimestamp()).isEqualTo(1000L + ENTRIES - 1);
        offsets.close();
        times.close();

        // and a reopened segment loads them and finds every batch
        segment.close();
        LogSegment reopened = LogSegment.open(IO, dir, 0, 0, 1 << 20, 0);
        reopened.load();
        assertThat(reopened.nextOffset()).isEqualTo(ENTRIES);
        for (int i = 0; i < ENTRIES; i += 37) {
            FileRecords found = reopened.read(i, 1, reopened.sizeInBytes());
            RecordBatch first = found.batches().iterator().next();
            assertThat(first.baseOffset()).as("first batch read at offset %d", i).isEqualTo(i);
        }
        reopened.close();
    }

    private static MemoryRecords batch(long offset) {
        return MemoryRecords.withRecords(offset, Compression.NONE,
                new SimpleRecord(1000 + offset, null, ("value-" + offset).getBytes(StandardCharsets.UTF_8)));
    }
}
