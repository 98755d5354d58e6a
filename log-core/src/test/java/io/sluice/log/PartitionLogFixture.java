package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.internals.SegmentFiles;
import io.sluice.log.testing.ManualTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the PartitionLog*Test classes share: a log manager in a temp dir on a manual clock (closed after
 * each test), one topic "t" of one partition, and helpers to read a partition back, list its files and join batches.
 */
abstract class PartitionLogFixture {
    /** flush.messages and flush.ms so large that nothing is fsynced unless the test calls flush(). */
    static final Map<String, String> NO_AUTO_FLUSH = Map.of(
            TopicConfig.FLUSH_MESSAGES, "1000000000", TopicConfig.FLUSH_MS, "3600000");
    static final long START_MS = 1_000_000_000L;

    @TempDir
    Path dir;
    LogManager log;
    final ManualTime time = new ManualTime(START_MS);

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    static List<String> values(Records records) {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    LogManager openManual() {
        log = LogManager.open(LogManagerConfig.defaults(dir).withTime(time));
        return log;
    }

    PartitionLog topic(Map<String, String> overrides) {
        if (log == null) {
            openManual();
        }
        log.createTopic("t", 1, overrides);
        return log.partition("t", 0);
    }

    PartitionLog reopen() {
        log.close();
        log = null;
        openManual();
        return log.partition("t", 0);
    }

    static Map<String, String> config(Map<String, String> base, String... kv) {
        Map<String, String> m = new HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Every record below the high watermark: offset to value, read batch by batch from the log start. */
    static Map<Long, String> readAll(PartitionLog p) {
        Map<Long, String> out = new LinkedHashMap<>();
        long next = p.logStartOffset();
        while (next < p.highWatermark()) {
            ReadResult r = p.read(next, 1 << 16);
            assertThat(r.isEmpty()).as("read at %d below the high watermark %d", next, p.highWatermark()).isFalse();
            for (RecordBatch b : r.records().batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= next) {
                        out.put(rec.offset(), rec.hasValue() ? StandardCharsets.UTF_8.decode(rec.value()).toString() : null);
                    }
                }
                next = Math.max(next, b.lastOffset() + 1);
            }
        }
        return out;
    }

    static List<Path> filesEndingWith(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords m : parts) {
            size += m.sizeInBytes();
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (MemoryRecords m : parts) {
            buf.put(m.buffer().duplicate());
        }
        return MemoryRecords.readableRecords(buf.flip());
    }

    List<Long> segmentSizes(PartitionLog p) throws IOException {
        List<Long> sizes = new ArrayList<>();
        for (long base : p.segmentBaseOffsets()) {
            sizes.add(Files.size(SegmentFiles.log(p.dir(), base)));
        }
        return sizes;
    }
}
