package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogSegmentTest {
    private static final int NO_INDEX = Integer.MAX_VALUE; // index.interval.bytes that never indexes
    private static final int INDEX_BYTES = 10 * 1024;

    @TempDir
    Path dir;

    private final List<LogSegment> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (LogSegment s : opened) {
            s.close();
        }
    }

    private LogSegment open(long base, int indexInterval, int indexBytes) throws IOException {
        LogSegment s = LogSegment.open(FileIO.real(), dir, base, indexInterval, indexBytes, 0L);
        opened.add(s);
        return s;
    }

    private void close(LogSegment s) throws IOException {
        s.close();
        opened.remove(s);
    }

    /** One batch starting at {@code base}: a record per timestamp, valued "v" + its offset. */
    static MemoryRecords batch(long base, long... timestamps) {
        SimpleRecord[] records = new SimpleRecord[timestamps.length];
        for (int i = 0; i < timestamps.length; i++) {
            records[i] = new SimpleRecord(timestamps[i], ("k" + (base + i)).getBytes(StandardCharsets.UTF_8),
                    ("v" + (base + i)).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(base, Compression.NONE, records);
    }

    /** "base-last" of every batch. */
    static List<String> batchRanges(FileRecords records) {
        List<String> out = new ArrayList<>();
        if (records == null) {
            return out;
        }
        for (RecordBatch b : records.batches()) {
            out.add(b.baseOffset() + "-" + b.lastOffset());
        }
        return out;
    }

    static List<Long> offsets(FileRecords records) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(r.offset());
            }
        }
        return out;
    }

    /** Appends batches of the given record counts from offset {@code base}; returns their sizes. */
    private static int[] appendBatches(LogSegment s, long base, int... counts) throws IOException {
        int[] sizes = new int[counts.length];
        long next = base;
        for (int i = 0; i < counts.length; i++) {
            long[] ts = new long[counts[i]];
            Arrays.fill(ts, 1000 + next);
            MemoryRecords b = batch(next, ts);
            sizes[i] = b.sizeInBytes();
            s.append(b);
            next += counts[i];
        }
        return sizes;
    }

    private static void overwrite(Path file, long position, byte... bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.write(bytes);
        }
    }

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

    // ------------------------------------------------------------------ recovery and load

    @Test
    void recoverTruncatesATornTailAndKeepsTheWholeBatches() throws IOException {
        // given three batches and half of a fourth, as a crash mid-write leaves them
        LogSegment s = open(0, 0, INDEX_BYTES);
        appendBatches(s, 0, 3, 2, 5);
        int valid = s.sizeInBytes();
        close(s);
        MemoryRecords torn = batch(10, 2000, 2000, 2000);
        ByteBuffer tornBytes = torn.buffer().duplicate();
        byte[] half = new byte[torn.sizeInBytes() / 2];
        tornBytes.get(half);
        Files.write(SegmentFiles.log(dir, 0), half, StandardOpenOption.APPEND);

        // when
        LogSegment recovered = open(0, 0, INDEX_BYTES);
        int cut = recovered.recover(Integer.MAX_VALUE);

        // then
        assertThat(cut).isEqualTo(half.length);
        assertThat(Files.size(SegmentFiles.log(dir, 0))).isEqualTo(valid);
        assertThat(recovered.nextOffset()).isEqualTo(10);
        assertThat(batchRanges(recovered.read(0, Integer.MAX_VALUE, recovered.sizeInBytes())))
                .containsExactly("0-2", "3-4", "5-9");
        recovered.append(batch(10, 3000));
        assertThat(batchRanges(recovered.read(10, Integer.MAX_VALUE, recovered.sizeInBytes()))).containsExactly("10-10");
    }

    @Test
    void recoverTruncatesATornBatchHeader() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        appendBatches(s, 0, 3);
        int valid = s.sizeInBytes();
        close(s);
        Files.write(SegmentFiles.log(dir, 0), new byte[] {0, 0, 0, 0, 0, 0, 0, 3, 0}, StandardOpenOption.APPEND);

        LogSegment recovered = open(0, NO_INDEX, INDEX_BYTES);
        int cut = recovered.recover(Integer.MAX_VALUE);

        assertThat(cut).isEqualTo(9);
        assertThat(recovered.sizeInBytes()).isEqualTo(valid);
        assertThat(recovered.nextOffset()).isEqualTo(3);
    }

    @Test
    void recoverTruncatesAtTheFirstBatchWithACorruptCrc() throws IOException {
        // given four batches, the third with a flipped byte in its records
        LogSegment s = open(0, 0, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2, 5, 1);
        close(s);
        long third = sizes[0] + sizes[1];
        Path log = SegmentFiles.log(dir, 0);
        byte[] data = Files.readAllBytes(log);
        int flip = (int) third + DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 3;
        overwrite(log, flip, (byte) (data[flip] ^ 0x5a));

        // when
        LogSegment recovered = open(0, 0, INDEX_BYTES);
        int cut = recovered.recover(Integer.MAX_VALUE);

        // then: the corrupt batch and everything after it is gone
        assertThat(cut).isEqualTo(sizes[2] + sizes[3]);
        assertThat(recovered.sizeInBytes()).isEqualTo(third);
        assertThat(recovered.nextOffset()).isEqualTo(5);
        assertThat(batchRanges(recovered.read(0, Integer.MAX_VALUE, recovered.sizeInBytes())))
                .containsExactly("0-2", "3-4");
    }

    @ParameterizedTest(name = "magic {0}")
    @ValueSource(bytes = {0, 1, 3})
    void recoverTruncatesAtABatchWhoseMagicIsNot2(byte magic) throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 3, 2, 5);
        close(s);
        overwrite(SegmentFiles.log(dir, 0), sizes[0] + 16L, magic); // the magic byte of the second batch

        LogSegment recovered = open(0, NO_INDEX, INDEX_BYTES);
        int cut = recovered.recover(Integer.MAX_VALUE);

        assertThat(cut).as("bytes cut at a batch of magic %d", magic).isEqualTo(sizes[1] + sizes[2]);
        assertThat(recovered.nextOffset()).isEqualTo(3);
    }

    @Test
    void recoverTruncatesABatchLargerThanTheLimit() throws IOException {
        LogSegment s = open(0, NO_INDEX, INDEX_BYTES);
        int[] sizes = appendBatches(s, 0, 1, 30);
        close(s);

        LogSegment recovered = open(0, NO_INDEX, INDEX_BYTES);
        int cut = recovered.recover(sizes[1] - 1);

        assertThat(cut).isEqualTo(sizes[1]);
        assertThat(recovered.nextOffset()).isEqualTo(1);
    }

    @Test
    void recoverRebuildsBothIndexesFromTheValidBatches() throws IOException {
        // given 4 batches with growing timestamps, each but the first indexed; the 4th torn; garbage indexes
        LogSegment s = open(0, 0, INDEX_BYTES);
        s.append(batch(0, 10));
        s.append(batch(1, 20, 20));
        s.append(batch(3, 30));
        s.append(batch(4, 40));
        s.flush();
        s.flush();
        byte[] goodIndex = Files.readAllBytes(s.indexPath());
        close(s);
        Path log = SegmentFiles.log(dir, 0);
        try (var ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5);
        }
        Files.write(SegmentFiles.index(dir, 0), new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1});
        Files.write(SegmentFiles.timeIndex(dir, 0), new byte[] {7, 7, 7});

        // when
        LogSegment recovered = open(0, 0, INDEX_BYTES);
        recovered.recover(Integer.MAX_VALUE);

        // then: entries for batches 2 and 3 only (the 4th is gone)
        assertThat(recovered.nextOffset()).isEqualTo(4);
        recovered.flush();
        assertThat(Files.readAllBytes(recovered.indexPath()))
                .isEqualTo(Arrays.copyOf(goodIndex, 2 * OffsetIndex.ENTRY_SIZE));
        recovered.flush();
        ByteBuffer time = ByteBuffer.wrap(Files.readAllBytes(recovered.timeIndexPath()));
        assertThat(time.remaining()).isEqualTo(2 * TimeIndex.ENTRY_SIZE);
        assertThat(time.getLong()).isEqualTo(20);
        assertThat(time.getInt()).isEqualTo(2);
        assertThat(time.getLong()).isEqualTo(30);
        assertThat(time.getInt()).isEqualTo(3);
        assertThat(recovered.maxTimestamp()).isEqualTo(30);
        assertThat(batchRanges(recovered.read(2, 1, recovered.sizeInBytes()))).containsExactly("1-2");
        assertThat(recovered.findOffsetByTimestamp(25, 0, recovered.sizeInBytes()).offset).isEqualTo(3);
    }

    @Test
    void recoverOfAValidSegmentCutsNothing() throws IOException {
        LogSegment s = open(0, 0, INDEX_BYTES);
        appendBatches(s, 0, 3, 2, 5);
        int size = s.sizeInBytes();
        close(s);

        LogSegment recovered = open(0, 0, INDEX_BYTES);

        assertThat(recovered.recover(Integer.MAX_VALUE)).isZero();
        assertThat(recovered.sizeInBytes()).isEqualTo(size);
        assertThat(recovered.nextOffset()).isEqualTo(10);
    }

    /** Writes a sealed segment of 5 batches with growing timestamps, each but the first indexed. */
    private byte[][] writeSealedSegment() throws IOException {
        LogSegment s = open(0, 0, INDEX_BYTES);
        for (int i = 0; i < 5; i++) {
            s.append(batch(2L * i, 100 + i, 100 + i));
        }
        s.seal();
        s.flush();
        s.flush();
        byte[][] indexes = {Files.readAllBytes(s.indexPath()), Files.readAllBytes(s.timeIndexPath())};
        close(s);
        assertThat(indexes[0]).hasSize(4 * OffsetIndex.ENTRY_SIZE);
        assertThat(indexes[1]).hasSize(4 * TimeIndex.ENTRY_SIZE);
        return indexes;
    }

    private void assertLoadedAsWritten(LogSegment loaded, byte[][] indexes) throws IOException {
        assertThat(loaded.nextOffset()).isEqualTo(10);
        assertThat(loaded.maxTimestamp()).isEqualTo(104);
        loaded.flush();
        assertThat(Files.readAllBytes(loaded.indexPath())).as("offset index after load").isEqualTo(indexes[0]);
        loaded.flush();
        assertThat(Files.readAllBytes(loaded.timeIndexPath())).as("time index after load").isEqualTo(indexes[1]);
        assertThat(batchRanges(loaded.read(7, 1, loaded.sizeInBytes()))).containsExactly("6-7");
        assertThat(loaded.findOffsetByTimestamp(103, 0, loaded.sizeInBytes()).offset).isEqualTo(6);
    }

    @Test
    void loadKeepsConsistentIndexesAndRestoresTheSegmentState() throws IOException {
        byte[][] indexes = writeSealedSegment();

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

    @Test
    void loadRebuildsMissingIndexes() throws IOException {
        byte[][] indexes = writeSealedSegment();
        Files.delete(SegmentFiles.index(dir, 0));
        Files.delete(SegmentFiles.timeIndex(dir, 0));

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

    @Test
    void loadRebuildsAMissingOffsetIndex() throws IOException {
        byte[][] indexes = writeSealedSegment();
        Files.delete(SegmentFiles.index(dir, 0));

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

    @Test
    void loadRebuildsAMissingTimeIndex() throws IOException {
        byte[][] indexes = writeSealedSegment();
        Files.delete(SegmentFiles.timeIndex(dir, 0));

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

    @Test
    void loadRebuildsAnOffsetIndexPointingPastTheDataFile() throws IOException {
        byte[][] indexes = writeSealedSegment();
        Files.write(SegmentFiles.index(dir, 0), ByteBuffer.allocate(8).putInt(2).putInt(1 << 20).array());

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

    @Test
    void loadRebuildsATimeIndexThatIsNotIncreasing() throws IOException {
        byte[][] indexes = writeSealedSegment();
        Files.write(SegmentFiles.timeIndex(dir, 0),
                ByteBuffer.allocate(24).putLong(500).putInt(1).putLong(400).putInt(3).array());

        LogSegment loaded = open(0, 0, INDEX_BYTES);
        loaded.load();

        assertLoadedAsWritten(loaded, indexes);
    }

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
