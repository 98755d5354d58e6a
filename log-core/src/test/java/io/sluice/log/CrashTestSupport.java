package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.LoggerFactory;

/** Helpers shared by the crash tests: reading a whole partition back, its files, captured log lines. */
final class CrashTestSupport {
    private CrashTestSupport() {
    }

    /** One record as read back: its offset never changes, whatever happens to the log. */
    record Rec(long offset, String key, String value, long timestamp) {
    }

    /** The bytes of a batch exactly as stored. */
    static byte[] bytesOf(RecordBatch batch) {
        ByteBuffer buf = ByteBuffer.allocate(batch.sizeInBytes());
        batch.writeTo(buf);
        return buf.array();
    }

    /** The bytes of an appended MemoryRecords (after append it holds the offsets the log assigned). */
    static byte[] bytesOf(MemoryRecords records) {
        ByteBuffer b = records.buffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Every batch from the log start to the high watermark, by base offset. */
    static TreeMap<Long, byte[]> readAllBatches(PartitionLog p) {
        TreeMap<Long, byte[]> out = new TreeMap<>();
        long next = p.logStartOffset();
        long hw = p.highWatermark();
        while (next < hw) {
            ReadResult rr = p.read(next, 1 << 20);
            assertThat(rr.isEmpty()).as("%s: read at %s below the high watermark %s returned nothing", p, next, hw)
                    .isFalse();
            for (RecordBatch b : rr.records().batches()) {
                if (b.lastOffset() < next) {
                    continue;
                }
                out.put(b.baseOffset(), bytesOf(b));
                next = b.nextOffset();
            }
        }
        return out;
    }

    /** Every record from the log start to the high watermark, in offset order. */
    static List<Rec> readAllRecords(PartitionLog p) {
        List<Rec> out = new ArrayList<>();
        for (byte[] bytes : readAllBatches(p).values()) {
            for (RecordBatch b : MemoryRecords.readableRecords(ByteBuffer.wrap(bytes)).batches()) {
                for (Record r : b) {
                    out.add(new Rec(r.offset(), r.hasKey() ? utf8(r.key()) : null,
                            r.hasValue() ? utf8(r.value()) : null, r.timestamp()));
                }
            }
        }
        return out;
    }

    static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    /** Position and size of each batch in a segment's data file, by base offset. */
    static TreeMap<Long, int[]> batchPositions(Path logFile) throws IOException {
        TreeMap<Long, int[]> out = new TreeMap<>();
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(logFile));
        int pos = 0;
        while (pos + 12 <= all.limit()) {
            long base = all.getLong(pos);
            int size = all.getInt(pos + 8) + 12;
            if (pos + size > all.limit()) {
                break;
            }
            out.put(base, new int[] {pos, size});
            pos += size;
        }
        return out;
    }

    static Path logFile(PartitionLog p, long base) {
        return SegmentFiles.log(p.dir(), base);
    }

    static Path indexFile(PartitionLog p, long base) {
        return SegmentFiles.index(p.dir(), base);
    }

    static Path timeIndexFile(PartitionLog p, long base) {
        return SegmentFiles.timeIndex(p.dir(), base);
    }

    /** File names in a directory, sorted. */
    static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** Every file of a directory tree with its bytes (a snapshot of what a process crash would leave). */
    static Map<Path, byte[]> snapshot(Path dir) throws IOException {
        Map<Path, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** Replaces a directory tree's files with a snapshot. */
    static void restore(Path dir, Map<Path, byte[]> snapshot) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).filter(f -> !f.equals(dir)).toList()) {
                Files.delete(f);
            }
        }
        for (Map.Entry<Path, byte[]> e : snapshot.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
    }

    /** Flips every bit of {@code length} bytes of a file at {@code position}. */
    static void flipBytes(Path file, int position, int length) throws IOException {
        byte[] b = Files.readAllBytes(file);
        for (int i = position; i < position + length; i++) {
            b[i] = (byte) ~b[i];
        }
        Files.write(file, b);
    }

    static void truncate(Path file, int size) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, size));
    }

    /** Starts capturing what {@code type}'s logger logs; stop with {@link #stopCapture}. */
    static ListAppender<ILoggingEvent> capture(Class<?> type) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(type)).addAppender(appender);
        return appender;
    }

    static void stopCapture(Class<?> type, ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(type)).detachAppender(appender);
        appender.stop();
    }

    static List<String> messages(ListAppender<ILoggingEvent> appender) {
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }
}
