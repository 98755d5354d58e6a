package io.sluice.log.internals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixture of the {@link LogSegment} tests that extend it: segments opened in a temporary directory and closed
 * after each test, and batches to append to them.
 */
abstract class LogSegmentFixture {
    static final int NO_INDEX = Integer.MAX_VALUE; // index.interval.bytes that never indexes
    static final int INDEX_BYTES = 10 * 1024;

    @TempDir
    Path dir;

    final List<LogSegment> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (LogSegment s : opened) {
            s.close();
        }
    }

    LogSegment open(long base, int indexInterval, int indexBytes) throws IOException {
        LogSegment s = LogSegment.open(FileIO.real(), dir, base, indexInterval, indexBytes, 0L);
        opened.add(s);
        return s;
    }

    void close(LogSegment s) throws IOException {
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
    static int[] appendBatches(LogSegment s, long base, int... counts) throws IOException {
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
}
