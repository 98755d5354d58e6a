package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {
    private static final long BASE = 500;

    @TempDir
    Path dir;

    private final List<TimeIndex> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (TimeIndex i : opened) {
            i.close();
        }
    }

    private Path file() {
        return SegmentFiles.timeIndex(dir, BASE);
    }

    private TimeIndex open(Path path, int maxEntries) throws IOException {
        TimeIndex index = new TimeIndex(FileIO.real(), path, BASE, maxEntries);
        opened.add(index);
        return index;
    }

    private TimeIndex open(int maxEntries) throws IOException {
        return open(file(), maxEntries);
    }

    /** An entry as stored in the file. */
    private record Entry(long timestamp, int relativeOffset) {
    }

    private static List<Entry> readEntries(Path path) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path));
        assertThat(buf.remaining() % TimeIndex.ENTRY_SIZE).as("size of %s", path).isZero();
        List<Entry> out = new ArrayList<>();
        while (buf.hasRemaining()) {
            out.add(new Entry(buf.getLong(), buf.getInt()));
        }
        return out;
    }

    private void writeRaw(Entry... entries) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(entries.length * TimeIndex.ENTRY_SIZE);
        for (Entry e : entries) {
            buf.putLong(e.timestamp()).putInt(e.relativeOffset());
        }
        Files.write(file(), buf.array());
    }

    @Test
    void maybeAppendAddsAnEntryOnlyWhenTheTimestampGrows() throws IOException {
        // given
        TimeIndex index = open(10);

        // when
        index.maybeAppend(100, 505);
        index.maybeAppend(90, 507);  // older timestamp: nothing new to say
        index.maybeAppend(100, 508); // same timestamp: nothing new to say
        index.maybeAppend(150, 509);

        // then
        index.writePending();
        assertThat(readEntries(file())).containsExactly(new Entry(100, 5), new Entry(150, 9));
        assertThat(index.lastTimestamp()).isEqualTo(150);
    }

    @Test
    void maybeAppendRefusesALargerTimestampAtAnOffsetNotAfterTheLastEntry() throws IOException {
        TimeIndex index = open(10);
        index.maybeAppend(100, 505);

        assertThatThrownBy(() -> index.maybeAppend(200, 505)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.maybeAppend(200, 504)).isInstanceOf(IllegalStateException.class);
        index.writePending();
        assertThat(readEntries(file())).containsExactly(new Entry(100, 5));
    }

    @Test
    void emptyIndexScansFromTheBaseOffset() throws IOException {
        TimeIndex index = open(10);

        assertThat(index.lastTimestamp()).isEqualTo(Long.MIN_VALUE);
        assertThat(index.scanStartFor(Long.MIN_VALUE)).isEqualTo(BASE);
        assertThat(index.scanStartFor(0)).isEqualTo(BASE);
        assertThat(index.scanStartFor(Long.MAX_VALUE)).isEqualTo(BASE);
    }

    @Test
    void scanStartsJustAfterTheLastEntryBelowTheTarget() throws IOException {
        // given (100, 504), (200, 509), (300, 514)
        TimeIndex index = open(10);
        index.maybeAppend(100, 504);
        index.maybeAppend(200, 509);
        index.maybeAppend(300, 514);

        // then
        assertThat(index.scanStartFor(50)).isEqualTo(BASE);
        assertThat(index.scanStartFor(100)).as("target equal to the first entry").isEqualTo(BASE);
        assertThat(index.scanStartFor(101)).isEqualTo(505);
        assertThat(index.scanStartFor(200)).isEqualTo(505);
        assertThat(index.scanStartFor(201)).isEqualTo(510);
        assertThat(index.scanStartFor(300)).isEqualTo(510);
        assertThat(index.scanStartFor(301)).as("target above every entry").isEqualTo(515);
        assertThat(index.scanStartFor(Long.MAX_VALUE)).isEqualTo(515);
    }

    /**
     * Property: whatever the (out-of-order) timestamps, the scan start never lies past the first record
     * whose timestamp is at or after the target, and the stored entries stay strictly increasing and
     * true (every record at or below an entry's offset has a timestamp at or below the entry's).
     */
    @Test
    void scanStartNeverSkipsARecordAtOrAfterTheTargetForRandomTimestamps() throws IOException {
        Random random = new Random(20240611L);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(60);
            int spread = 1 + random.nextInt(trial % 3 == 0 ? 5 : 1000);
            long[] ts = new long[n];
            for (int i = 0; i < n; i++) {
                ts[i] = 1_000 + random.nextInt(spread) + (trial % 2 == 0 ? i : 0); // some drift up, much disorder
            }
            Path path = dir.resolve("trial-" + trial + SegmentFiles.TIME_INDEX);
            TimeIndex index = new TimeIndex(FileIO.real(), path, BASE, n + 2);
            try {
                // Records are offsets BASE + i; the index gets (running max, offset) at random points, and a
                // closing entry at the end as a segment's seal() writes.
                long runningMax = Long.MIN_VALUE;
                for (int i = 0; i < n; i++) {
                    runningMax = Math.max(runningMax, ts[i]);
                    if (random.nextInt(3) == 0) {
                        index.maybeAppend(runningMax, BASE + i);
                    }
                }
                if (random.nextBoolean()) {
                    index.maybeAppend(runningMax, BASE + n - 1);
                }
                String context = "trial " + trial + ", timestamps " + Arrays.toString(ts);

                for (long target = 995; target <= 1_000 + spread + n + 2; target++) {
                    long firstMatch = -1;
                    for (int i = 0; i < n; i++) {
                        if (ts[i] >= target) {
                            firstMatch = BASE + i;
                            break;
                        }
                    }
                    long start = index.scanStartFor(target);
                    assertThat(start).as("scan start for target %d (%s)", target, context).isGreaterThanOrEqualTo(BASE);
                    if (firstMatch >= 0) {
                        assertThat(start).as("scan start for target %d, first match at offset %d (%s)",
                                target, firstMatch, context).isLessThanOrEqualTo(firstMatch);
                    }
                }

                index.writePending();
                List<Entry> entries = readEntries(path);
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    if (i > 0) {
                        assertThat(e.timestamp()).as("entry %d timestamp (%s)", i, context)
                                .isGreaterThan(entries.get(i - 1).timestamp());
                        assertThat(e.relativeOffset()).as("entry %d offset (%s)", i, context)
                                .isGreaterThan(entries.get(i - 1).relativeOffset());
                    }
                    long maxUnder = Arrays.stream(ts, 0, e.relativeOffset() + 1).max().orElseThrow();
                    assertThat(maxUnder).as("largest timestamp at or below entry %s (%s)", e, context)
                            .isLessThanOrEqualTo(e.timestamp());
                }
                TimeIndex reloaded = new TimeIndex(FileIO.real(), path, BASE, n + 2);
                try {
                    assertThat(reloaded.load(BASE + n)).as("reload (%s)", context).isTrue();
                } finally {
                    reloaded.close();
                }
            } finally {
                index.close();
            }
        }
    }

    @Test
    void loadReadsBackWhatWasAppended() throws IOException {
        TimeIndex written = open(10);
        written.maybeAppend(100, 504);
        written.maybeAppend(200, 509);
        written.flush();
        written.close();
        opened.remove(written);

        TimeIndex loaded = open(10);

        assertThat(loaded.load(510)).isTrue();
        assertThat(loaded.lastTimestamp()).isEqualTo(200);
        assertThat(loaded.scanStartFor(150)).isEqualTo(505);
    }

    @Test
    void loadRejectsFileThatIsNotAWholeNumberOfEntries() throws IOException {
        Files.write(file(), new byte[TimeIndex.ENTRY_SIZE * 2 - 1]);
        TimeIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
        assertThat(index.lastTimestamp()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void loadRejectsNonIncreasingTimestamps() throws IOException {
        writeRaw(new Entry(100, 4), new Entry(100, 9));
        TimeIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
        assertThat(index.lastTimestamp()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void loadRejectsDecreasingTimestamps() throws IOException {
        writeRaw(new Entry(200, 4), new Entry(100, 9));
        TimeIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void loadRejectsNonIncreasingOffsets() throws IOException {
        writeRaw(new Entry(100, 9), new Entry(200, 9));
        TimeIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void loadRejectsOffsetsAtOrPastTheEndOfTheSegment() throws IOException {
        writeRaw(new Entry(100, 4), new Entry(200, 9));
        TimeIndex index = open(10);

        assertThat(index.load(BASE + 9)).as("entry at offset 509 when the segment ends before 509").isFalse();
        assertThat(index.load(BASE + 10)).as("entry at offset 509 when the segment holds 509").isTrue();
    }

    @Test
    void loadRejectsNegativeRelativeOffset() throws IOException {
        writeRaw(new Entry(100, -3));
        TimeIndex index = open(10);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void loadRejectsMoreEntriesThanTheIndexHolds() throws IOException {
        writeRaw(new Entry(100, 1), new Entry(200, 2), new Entry(300, 3));
        TimeIndex index = open(2);

        assertThat(index.load(1000)).isFalse();
    }

    @Test
    void fullIndexKeepsItsLastSlotForTheClosingEntry() throws IOException {
        // given an index of 3 entries: 2 for appends, the last for the entry a segment writes when sealed
        TimeIndex index = open(3);
        index.maybeAppend(100, 501);
        assertThat(index.isFull()).isFalse();
        index.maybeAppend(200, 502);

        // then
        assertThat(index.isFull()).as("full once only the closing slot is left").isTrue();
        index.maybeAppend(300, 505); // the closing entry still fits
        assertThat(index.lastTimestamp()).isEqualTo(300);
        assertThatThrownBy(() -> index.maybeAppend(400, 506))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full");
        index.writePending();
        assertThat(readEntries(file())).containsExactly(new Entry(100, 1), new Entry(200, 2), new Entry(300, 5));
        index.maybeAppend(300, 506); // not a larger timestamp: a no-op even when full
    }

    @Test
    void resetDropsEveryEntryAndTruncatesTheFile() throws IOException {
        TimeIndex index = open(3);
        index.maybeAppend(100, 501);
        index.maybeAppend(200, 502);

        index.reset();

        assertThat(index.lastTimestamp()).isEqualTo(Long.MIN_VALUE);
        assertThat(index.isFull()).isFalse();
        assertThat(index.scanStartFor(1000)).isEqualTo(BASE);
        index.writePending();
        assertThat(Files.size(file())).isZero();
        index.maybeAppend(50, 500); // lower than before the reset
        index.writePending();
        assertThat(readEntries(file())).containsExactly(new Entry(50, 0));
    }

    @Test
    void renameKeepsTheIndexUsable() throws IOException {
        TimeIndex index = open(10);
        index.maybeAppend(100, 501);
        Path target = SegmentFiles.withSuffix(file(), SegmentFiles.SWAP);

        index.renameTo(target);

        assertThat(index.path()).isEqualTo(target);
        assertThat(file()).doesNotExist();
        index.maybeAppend(200, 502);
        index.writePending();
        assertThat(readEntries(target)).containsExactly(new Entry(100, 1), new Entry(200, 2));
    }
}
