package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LogSegment#recover} of torn or corrupt data and {@link LogSegment#load} of its indexes. */
class LogSegmentRecoveryTest extends LogSegmentFixture {
    private static void overwrite(Path file, long position, byte... bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.write(bytes);
        }
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
}
