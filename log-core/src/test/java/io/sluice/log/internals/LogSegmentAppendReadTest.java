package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

/** {@link LogSegment} appends, reads by offset and by timestamp, and sealing. */
class LogSegmentAppendReadTest extends LogSegmentFixture {
    // ------------------------------------------------------------------ append and read

    @Test
    void appendAndReadReturnWholeBatches() throws IOException {
        // given batches [0-2], [3-4], [5-9]
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2, 5);

        // when
        FileRecords all = s.read(0, Integer.MAX_VALUE, s.sizeInBytes());

        // then
        assertThat(s.nextOffset()).isEqualTo(10);
        assertThat(s.sizeInBytes()).isEqualTo(sizes[0] + sizes[1] + sizes[2]);
        assertThat(batchRanges(all)).containsExactly("0-2", "3-4", "5-9");
        assertThat(offsets(all)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void readStartingInsideABatchReturnsTheWholeBatch() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        appendBatches(s, 0, 3, 2, 5);

        assertThat(batchRanges(s.read(4, Integer.MAX_VALUE, s.sizeInBytes()))).containsExactly("3-4", "5-9");
        assertThat(batchRanges(s.read(7, Integer.MAX_VALUE, s.sizeInBytes()))).containsExactly("5-9");
        assertThat(batchRanges(s.read(9, Integer.MAX_VALUE, s.sizeInBytes()))).containsExactly("5-9");
    }

    @Test
    void readPastTheLastOffsetReturnsNothing() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        appendBatches(s, 0, 3);

        assertThat(s.read(3, Integer.MAX_VALUE, s.sizeInBytes())).isNull();
    }

    @Test
    void firstBatchLargerThanMaxBytesIsReturnedWhole() throws IOException {
        // given batches larger than the 10 bytes asked for (KIP-74)
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2);

        // when
        FileRecords r = s.read(1, 10, s.sizeInBytes());

        // then
        assertThat(batchRanges(r)).containsExactly("0-2");
        assertThat(r.sizeInBytes()).isEqualTo(sizes[0]);
    }

    @Test
    void readStopsBeforeABatchThatWouldExceedMaxBytes() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2, 5);

        assertThat(batchRanges(s.read(0, sizes[0] + sizes[1] - 1, s.sizeInBytes()))).containsExactly("0-2");
        assertThat(batchRanges(s.read(0, sizes[0] + sizes[1], s.sizeInBytes()))).containsExactly("0-2", "3-4");
    }

    @Test
    void readNeverReturnsABatchEndingPastMaxPosition() throws IOException {
        // given
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2, 5, 1);
        int[] ends = new int[sizes.length];
        for (int i = 0, acc = 0; i < sizes.length; i++) {
            acc += sizes[i];
            ends[i] = acc;
        }

        // then: for every bound, the read is the longest whole-batch prefix that ends at or before it
        for (int maxPosition = 0; maxPosition <= s.sizeInBytes(); maxPosition++) {
            int expectedBatches = 0;
            while (expectedBatches < ends.length && ends[expectedBatches] <= maxPosition) {
                expectedBatches++;
            }
            FileRecords r = s.read(0, Integer.MAX_VALUE, maxPosition);
            if (expectedBatches == 0) {
                assertThat(r).as("read below maxPosition %d (first batch ends at %d)", maxPosition, ends[0]).isNull();
            } else {
                assertThat(r.sizeInBytes()).as("bytes read below maxPosition %d", maxPosition)
                        .isEqualTo(ends[expectedBatches - 1]);
            }
        }
        assertThat(s.read(3, Integer.MAX_VALUE, ends[0])).as("read from the second batch bounded at its start").isNull();
        assertThat(batchRanges(s.read(3, Integer.MAX_VALUE, ends[1]))).containsExactly("3-4");
    }

    @Test
    void readThroughTheOffsetIndexFindsTheBatchOfEveryOffset() throws IOException {
        // given many batches, each indexed (index.interval.bytes=0), in a segment at base 100
        LogSegment s = open(100, 0, INDEX_BYTES);
        Random random = new Random(7);
        List<long[]> ranges = new ArrayList<>();
        long next = 100;
        for (int i = 0; i < 60; i++) {
            int count = 1 + random.nextInt(4);
            long[] ts = new long[count];
            Arrays.fill(ts, 5);
            s.append(batch(next, ts));
            ranges.add(new long[] {next, next + count - 1});
            next += count;
        }

        // then
        for (long[] range : ranges) {
            for (long o = range[0]; o <= range[1]; o++) {
                FileRecords r = s.read(o, 1, s.sizeInBytes());
                assertThat(batchRanges(r)).as("read at offset %d", o).containsExactly(range[0] + "-" + range[1]);
            }
        }
        s.flush();
        assertThat(Files.size(s.indexPath())).as("offset index size").isEqualTo(59L * OffsetIndex.ENTRY_SIZE);
    }

    // ------------------------------------------------------------------ timestamps

    /** Brute force over the records of the batches ending at or before maxPosition. */
    private static long[] firstAtOrAfter(List<long[]> records, long target, long startOffset, int maxPosition) {
        for (long[] r : records) { // {offset, timestamp, batch end position}
            if (r[0] >= startOffset && r[1] >= target && r[2] <= maxPosition) {
                return r;
            }
            if (r[0] >= startOffset && r[1] >= target) {
                return null; // the first match is not readable: nothing below maxPosition matches either
            }
        }
        return null;
    }

    private static void assertTimestampSearchMatchesBruteForce(LogSegment s, List<long[]> records, Random random,
                                                               String context) throws IOException {
        long minTs = records.stream().mapToLong(r -> r[1]).min().orElseThrow();
        long maxTs = records.stream().mapToLong(r -> r[1]).max().orElseThrow();
        long base = s.baseOffset();
        for (long target = minTs - 2; target <= maxTs + 2; target++) {
            long startOffset = random.nextInt(4) == 0 ? base + random.nextInt((int) (s.nextOffset() - base)) : base;
            int maxPosition = random.nextInt(4) == 0 ? random.nextInt(s.sizeInBytes() + 1) : s.sizeInBytes();
            long[] expected = firstAtOrAfter(records, target, startOffset, maxPosition);
            FileRecords.TimestampAndOffset found = s.findOffsetByTimestamp(target, startOffset, maxPosition);
            String what = String.format("%s: first record at or after timestamp %d from offset %d below position %d",
                    context, target, startOffset, maxPosition);
            if (expected == null) {
                assertThat(found).as(what).isNull();
            } else {
                assertThat(found).as(what).isNotNull();
                assertThat(found.offset).as(what + " (offset)").isEqualTo(expected[0]);
                assertThat(found.timestamp).as(what + " (timestamp)").isEqualTo(expected[1]);
            }
        }
    }

    @Test
    void findOffsetByTimestampMatchesBruteForceWithNonMonotonicTimestamps() throws IOException {
        Random random = new Random(99);
        for (int trial = 0; trial < 40; trial++) {
            // given a segment of batches with out-of-order timestamps, sparsely indexed
            Path trialDir = Files.createDirectories(dir.resolve("trial-" + trial));
            int interval = random.nextInt(3) == 0 ? 0 : 50 + random.nextInt(300);
            LogSegment s = LogSegment.open(FileIO.real(), trialDir, 1000, interval, INDEX_BYTES, 0L);
            List<long[]> records = new ArrayList<>();
            long next = 1000;
            int batches = 1 + random.nextInt(25);
            for (int b = 0; b < batches; b++) {
                int count = 1 + random.nextInt(4);
                long[] ts = new long[count];
                for (int i = 0; i < count; i++) {
                    ts[i] = 10_000 + random.nextInt(60);
                }
                s.append(batch(next, ts));
                for (int i = 0; i < count; i++) {
                    records.add(new long[] {next + i, ts[i], s.sizeInBytes()});
                }
                next += count;
            }
            String context = "trial " + trial + " (index.interval.bytes=" + interval + ")";
            try {
                // then: while active, after sealing, and after a reload from the files
                assertTimestampSearchMatchesBruteForce(s, records, random, context + ", active");
                s.seal();
                s.flush();
                assertTimestampSearchMatchesBruteForce(s, records, random, context + ", sealed");
            } finally {
                s.close();
            }
            LogSegment reloaded = LogSegment.open(FileIO.real(), trialDir, 1000, interval, INDEX_BYTES, 0L);
            try {
                reloaded.load();
                assertThat(reloaded.maxTimestamp()).as(context + " max timestamp after reload")
                        .isEqualTo(records.stream().mapToLong(r -> r[1]).max().orElseThrow());
                assertTimestampSearchMatchesBruteForce(reloaded, records, random, context + ", reloaded");
            } finally {
                reloaded.close();
            }
        }
    }

    @Test
    void sealWritesTheClosingTimeIndexEntry() throws IOException {
        // given batches with timestamps 50, 300, 100 and no index entry so far
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        s.append(batch(0, 50, 50));
        s.append(batch(2, 300));
        s.append(batch(3, 100, 100));
        s.flush();
        assertThat(Files.size(s.timeIndexPath())).isZero();

        // when
        s.seal();
        s.flush();

        // then: one entry (largest timestamp, last offset)
        s.flush();
        ByteBuffer entry = ByteBuffer.wrap(Files.readAllBytes(s.timeIndexPath()));
        assertThat(entry.remaining()).isEqualTo(TimeIndex.ENTRY_SIZE);
        assertThat(entry.getLong()).as("closing entry timestamp").isEqualTo(300);
        assertThat(entry.getInt()).as("closing entry relative offset").isEqualTo(4);
        assertThat(s.isSealed()).isTrue();
        assertThat(s.maxTimestamp()).isEqualTo(300);
    }

    @Test
    void sealOfAnEmptySegmentWritesNothing() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);

        s.seal();

        s.flush();
        assertThat(Files.size(s.timeIndexPath())).isZero();
        assertThat(s.maxTimestamp()).isEqualTo(RecordBatch.NO_TIMESTAMP);
    }

    @Test
    void appendBeyondFullIndexesSkipsEntriesAndSealStillRecordsTheLargestTimestamp() throws IOException {
        // given indexes of 48 bytes (6 offset entries, 4 time entries) and an entry per batch: the
        // cleaner appends whole groups of segments this way without rolling
        LogSegment s = open(0, 0, 48);
        for (int i = 0; i < 12; i++) {
            s.append(batch(i, 100 + i));
        }
        assertThat(s.indexesFull()).isTrue();

        // when
        s.seal();
        s.flush();

        // then
        FileRecords.TimestampAndOffset last = s.findOffsetByTimestamp(111, 0, s.sizeInBytes());
        assertThat(last).isNotNull();
        assertThat(last.offset).isEqualTo(11);
        for (long o = 0; o < 12; o++) {
            assertThat(batchRanges(s.read(o, 1, s.sizeInBytes()))).as("read at %d", o).containsExactly(o + "-" + o);
        }
        close(s);
        LogSegment reloaded = open(0, 0, 48);
        reloaded.load();
        assertThat(reloaded.nextOffset()).isEqualTo(12);
        assertThat(reloaded.maxTimestamp()).isEqualTo(111);
    }
}
