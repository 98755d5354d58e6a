package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
    private static final long BASE = 1000;

    @TempDir
    Path dir;

    private final List<OffsetIndex> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (OffsetIndex i : opened) {
            i.close();
        }
    }

    private Path file() {
        return SegmentFiles.index(dir, BASE);
    }

    private OffsetIndex open(int maxEntries) throws IOException {
        OffsetIndex index = new OffsetIndex(FileIO.real(), file(), BASE, maxEntries);
        opened.add(index);
        return index;
    }

    /** Writes raw (relative offset, position) pairs as the index file. */
    private void writeRaw(int... relAndPos) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(relAndPos.length * 4);
        for (int v : relAndPos) {
            buf.putInt(v);
        }
        Files.write(file(), buf.array());
    }

    /** Brute force: the position of the last entry whose offset is at or below {@code offset}, else 0. */
    private static int expectedLookup(long[] offsets, int[] positions, int n, long offset) {
        int result = 0;
        for (int i = 0; i < n; i++) {
            if (offsets[i] <= offset) {
                result = positions[i];
            }
        }
        return result;
    }

    @Test
    void lookupReturnsPositionOfLastEntryAtOrBelowTheOffset() throws IOException {
        // given entries (1010 -> 50), (1020 -> 100), (1030 -> 150)
        OffsetIndex index = open(10);
        index.append(1010, 50);
        index.append(1020, 100);
        index.append(1030, 150);

        // then
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lookup(BASE)).as("base offset, before the first entry").isZero();
        assertThat(index.lookup(1009)).as("just before the first entry").isZero();
        assertThat(index.lookup(1010)).as("exactly the first entry").isEqualTo(50);
        assertThat(index.lookup(1019)).isEqualTo(50);
        assertThat(index.lookup(1020)).isEqualTo(100);
        assertThat(index.lookup(1029)).isEqualTo(100);
        assertThat(index.lookup(1030)).as("exactly the last entry").isEqualTo(150);
        assertThat(index.lookup(Long.MAX_VALUE)).as("far past the last entry").isEqualTo(150);
        assertThat(index.lookup(5)).as("below the segment's base offset").isZero();
    }

    @Test
    void emptyIndexLooksUpTheStartOfTheSegment() throws IOException {
        OffsetIndex index = open(10);

        assertThat(index.entries()).isZero();
        assertThat(index.lookup(BASE)).isZero();
        assertThat(index.lookup(Long.MAX_VALUE)).isZero();
    }

    @Test
    void lookupMatchesBruteForceForEverySizeAndEveryOffset() throws IOException {
        // sizes 0..40 cover a single entry, exact powers of two and the growth of the in-memory array past 16
        Random random = new Random(42);
        for (int n = 0; n <= 40; n++) {
            OffsetIndex index = new OffsetIndex(FileIO.real(), dir.resolve("idx-" + n), BASE, 64);
            try {
                long[] offsets = new long[n];
                int[] positions = new int[n];
                long offset = BASE;
                int position = 0;
                for (int i = 0; i < n; i++) {
                    offset += 1 + random.nextInt(5);
                    position += 1 + random.nextInt(100);
                    offsets[i] = offset;
                    positions[i] = position;
                    index.append(offset, position);
                }
                for (long probe = BASE - 2; probe <= offset + 2; probe++) {
                    assertThat(index.lookup(probe))
                            .as("lookup(%d) with %d entries %s", probe, n, java.util.Arrays.toString(offsets))
                            .isEqualTo(expectedLookup(offsets, positions, n, probe));
                }
            } finally {
                index.close();
            }
        }
    }

    @Test
    void appendRefusesAnEntryThatIsNotAfterTheLastOne() throws IOException {
        // given
        OffsetIndex index = open(10);
        index.append(1010, 50);

        // then: same offset, lower offset, same position, lower position are all refused
        assertThatThrownBy(() -> index.append(1010, 60)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.append(1005, 60)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.append(1011, 50)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.append(1011, 40)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.append(BASE - 1, 60))
                .as("an offset below the segment's base").isInstanceOf(RuntimeException.class);
        assertThat(index.entries()).as("entries after refused appends").isEqualTo(1);
        index.writePending();
        assertThat(Files.size(file())).as("index file size after refused appends").isEqualTo(OffsetIndex.ENTRY_SIZE);
    }

    @Test
    void fullIndexRefusesFurtherEntries() throws IOException {
        // given an index with room for 3 entries
        OffsetIndex index = open(3);
        index.append(1001, 10);
        index.append(1002, 20);
        assertThat(index.isFull()).isFalse();
        index.append(1003, 30);

        // then
        assertThat(index.isFull()).isTrue();
        assertThatThrownBy(() -> index.append(1004, 40))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full");
        assertThat(index.entries()).isEqualTo(3);
        index.writePending();
        assertThat(Files.size(file())).isEqualTo(3L * OffsetIndex.ENTRY_SIZE);
        assertThat(index.lookup(Long.MAX_VALUE)).isEqualTo(30);
    }

    @Test
    void loadReadsBackWhatWasAppended() throws IOException {
        // given
        OffsetIndex written = open(10);
        written.append(1010, 50);
        written.append(1020, 100);
        written.flush();
        written.close();
        opened.remove(written);

        // when
        OffsetIndex loaded = open(10);
        boolean ok = loaded.load(200);

        // then
        assertThat(ok).isTrue();
        assertThat(loaded.entries()).isEqualTo(2);
        assertThat(loaded.lookup(1015)).isEqualTo(50);
        assertThat(loaded.lookup(1025)).isEqualTo(100);
        loaded.append(1030, 150);
        assertThat(loaded.lookup(1030)).as("append after load").isEqualTo(150);
    }

    @Test
    void loadRejectsFileThatIsNotAWholeNumberOfEntries() throws IOException {
        Files.write(file(), new byte[OffsetIndex.ENTRY_SIZE + 3]);
        OffsetIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
        assertThat(index.entries()).isZero();
        assertThat(index.lookup(Long.MAX_VALUE)).isZero();
    }

    @Test
    void loadRejectsNonIncreasingOffsets() throws IOException {
        writeRaw(10, 50, 10, 100);
        OffsetIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
        assertThat(index.entries()).isZero();
    }

    @Test
    void loadRejectsDecreasingOffsets() throws IOException {
        writeRaw(20, 50, 10, 100);
        OffsetIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void loadRejectsNonIncreasingPositions() throws IOException {
        writeRaw(10, 100, 20, 100);
        OffsetIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
        assertThat(index.entries()).isZero();
    }

    @Test
    void loadRejectsNegativeRelativeOffset() throws IOException {
        writeRaw(-1, 50);
        OffsetIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void loadRejectsPositionsAtOrPastTheEndOfTheDataFile() throws IOException {
        writeRaw(10, 50, 20, 200);

        OffsetIndex index = open(10);
        assertThat(index.load(200)).as("position 200 in a data file of 200 bytes").isFalse();
        assertThat(index.load(150)).as("position 200 in a data file of 150 bytes").isFalse();
        assertThat(index.load(201)).as("position 200 in a data file of 201 bytes").isTrue();
        assertThat(index.entries()).isEqualTo(2);
    }

    @Test
    void loadRejectsMoreEntriesThanTheIndexHoldsAndAcceptsAFullOne() throws IOException {
        writeRaw(1, 10, 2, 20, 3, 30);

        OffsetIndex small = new OffsetIndex(FileIO.real(), file(), BASE, 2);
        try {
            assertThat(small.load(1000)).as("3 entries in an index of 2").isFalse();
        } finally {
            small.close();
        }
        OffsetIndex exact = open(3);
        assertThat(exact.load(1000)).as("3 entries in an index of 3").isTrue();
        assertThat(exact.isFull()).isTrue();
    }

    @Test
    void loadOfAnEmptyFileGivesAnEmptyIndex() throws IOException {
        OffsetIndex index = open(10);

        assertThat(index.load(0)).isTrue();
        assertThat(index.entries()).isZero();
    }

    @Test
    void resetDropsEveryEntryAndTruncatesTheFile() throws IOException {
        // given
        OffsetIndex index = open(3);
        index.append(1010, 50);
        index.append(1020, 100);
        index.append(1030, 150);

        // when
        index.reset();

        // then
        assertThat(index.entries()).isZero();
        assertThat(index.isFull()).isFalse();
        assertThat(index.lookup(1030)).isZero();
        index.writePending();
        assertThat(Files.size(file())).isZero();
        index.append(1005, 20); // a lower entry than before is fine after a reset
        assertThat(index.lookup(1030)).isEqualTo(20);
        index.writePending();
        assertThat(Files.size(file())).isEqualTo(OffsetIndex.ENTRY_SIZE);
    }

    @Test
    void renameKeepsTheIndexUsable() throws IOException {
        OffsetIndex index = open(10);
        index.append(1010, 50);
        Path target = SegmentFiles.withSuffix(file(), SegmentFiles.DELETED);

        index.renameTo(target);

        assertThat(index.path()).isEqualTo(target);
        assertThat(target).exists();
        assertThat(file()).doesNotExist();
        index.append(1020, 100);
        index.writePending();
        assertThat(Files.size(target)).isEqualTo(2L * OffsetIndex.ENTRY_SIZE);
    }
}
