package io.sluice.log.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogSegment#read} returns whole batches from the one holding the start offset, as many as fit in
 * {@code maxBytes} (the first one whole whatever its size) and never past {@code maxPosition}; the offset
 * index only speeds the walk up, so the answer is the same whatever its density.
 */
class LogSegmentReadTest {
    private static final FileIO IO = FileIO.real();

    @TempDir
    Path dir;

    /** Where each batch lies in the data file, as appended. */
    record Placed(long baseOffset, long lastOffset, int position, int size) {
    }

    @ParameterizedTest(name = "index.interval.bytes={0}")
    @ValueSource(ints = {0, 1, 100, 1000, 4096, 1 << 30})
    void readReturnsTheSameWholeBatchesWhateverTheIndexDensity(int indexIntervalBytes) throws IOException {
        // given 300 batches of 1 to 6 records of random sizes
        Random random = new Random(indexIntervalBytes);
        LogSegment segment = LogSegment.open(IO, dir, 100, indexIntervalBytes, 1 << 20, 0);
        List<Placed> placed = new ArrayList<>();
        long next = 100;
        for (int b = 0; b < 300; b++) {
            int n = 1 + random.nextInt(6);
            SimpleRecord[] records = new SimpleRecord[n];
            for (int i = 0; i < n; i++) {
                records[i] = new SimpleRecord(1000 + b, null, new byte[random.nextInt(400)]);
            }
            MemoryRecords batch = MemoryRecords.withRecords(next, Compression.NONE, records);
            int position = segment.append(batch);
            placed.add(new Placed(next, next + n - 1, position, batch.sizeInBytes()));
            next += n;
        }
        int size = segment.sizeInBytes();

        // when reads start at many offsets with many byte limits and visibility bounds
        int[] maxBytesChoices = {1, 64, 500, 2_000, 10_000, 50_000, Integer.MAX_VALUE};
        for (long offset = 100; offset < next; offset += 1 + random.nextInt(7)) {
            for (int maxBytes : maxBytesChoices) {
                int maxPosition = random.nextBoolean() ? size : random.nextInt(size + 1);
                FileRecords got = segment.read(offset, maxBytes, maxPosition);

                // then they return exactly the batches a walk over every batch header would
                List<Long> expected = expectedBases(placed, offset, maxBytes, maxPosition);
                String what = "read(" + offset + ", " + maxBytes + ", " + maxPosition + ") with index.interval.bytes="
                        + indexIntervalBytes;
                if (expected.isEmpty()) {
                    assertThat(got).as(what).isNull();
                    continue;
                }
                assertThat(got).as(what).isNotNull();
                List<Long> bases = new ArrayList<>();
                for (RecordBatch batch : got.batches()) {
                    bases.add(batch.baseOffset());
                }
                assertThat(bases).as(what).isEqualTo(expected);
            }
        }
        segment.close();
    }

    private static List<Long> expectedBases(List<Placed> placed, long offset, int maxBytes, int maxPosition) {
        List<Long> out = new ArrayList<>();
        Placed first = placed.stream().filter(p -> p.lastOffset() >= offset).findFirst().orElseThrow();
        if (first.position() + first.size() > maxPosition) {
            return out;
        }
        for (Placed p : placed) {
            if (p.position() < first.position()) {
                continue;
            }
            int end = p.position() + p.size();
            boolean isFirst = p == first;
            if (!isFirst && (end > maxPosition || (long) end - first.position() > maxBytes)) {
                break;
            }
            out.add(p.baseOffset());
        }
        return out;
    }
}
