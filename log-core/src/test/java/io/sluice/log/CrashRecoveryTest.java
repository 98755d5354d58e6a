package io.sluice.log;

import static io.sluice.log.CrashTestSupport.batchPositions;
import static io.sluice.log.CrashTestSupport.bytesOf;
import static io.sluice.log.CrashTestSupport.flipBytes;
import static io.sluice.log.CrashTestSupport.indexFile;
import static io.sluice.log.CrashTestSupport.logFile;
import static io.sluice.log.CrashTestSupport.readAllBatches;
import static io.sluice.log.CrashTestSupport.readAllRecords;
import static io.sluice.log.CrashTestSupport.timeIndexFile;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.log.CrashTestSupport.Rec;
import io.sluice.log.internals.LogLoader;
import io.sluice.log.internals.LogSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Unclean stops on real files: {@link LogManager#abort()} leaves the directory as a killed process would
 * (everything written is in the files, nothing was marked clean); the test then damages the files the way
 * a crash or a bad disk could, reopens, and checks what recovery made of them.
 *
 * <p>Pins down three bugs these tests found: a deleted {@code .index} was taken for a valid empty index
 * after a clean stop; a damaged magic byte made recovery throw (the log could not open at all); and
 * lowering {@code max.message.bytes} made the next recovery cut acknowledged batches larger than the new
 * limit, with every segment after them.
 */
class CrashRecoveryTest {
    private static final int BATCHES = 10;
    private static final int RECORDS_PER_BATCH = 3;

    @TempDir
    Path tmp;
    private Path data;
    private LogManager manager;

    @AfterEach
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }

    private LogManager open() {
        data = tmp.resolve("data");
        manager = LogManager.open(LogManagerConfig.defaults(data));
        return manager;
    }

    /** Kills the log as a crash would (no flush of indexes, no marker, no checkpoint). */
    private void crash() {
        manager.abort();
        manager = null;
    }

    private void cleanClose() {
        manager.close();
        manager = null;
    }

    /** Appends {@code n} batches of {@link #RECORDS_PER_BATCH} records with increasing timestamps, made durable. */
    private static List<byte[]> appendBatches(PartitionLog p, int n, int firstBatch) {
        List<byte[]> out = new ArrayList<>();
        for (int i = firstBatch; i < firstBatch + n; i++) {
            SimpleRecord[] records = new SimpleRecord[RECORDS_PER_BATCH];
            for (int j = 0; j < RECORDS_PER_BATCH; j++) {
                records[j] = new SimpleRecord(10_000L + 10L * i + j, ("k" + j).getBytes(),
                        ("value-" + i + "-" + j + "-padding-padding").getBytes());
            }
            MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, records);
            AppendResult res = p.append(batch);
            assertThat(res.firstOffset()).isEqualTo((long) i * RECORDS_PER_BATCH);
            out.add(bytesOf(batch));
        }
        p.awaitDurable(p.logEndOffset() - 1).join();
        return out;
    }

    private PartitionLog topic(Map<String, String> config) {
        open().createTopic("t", 1, config);
        return manager.partition("t", 0);
    }

    private PartitionLog reopen() {
        return open().partition("t", 0);
    }

    /** The batches after recovery must be exactly the first {@code n} appended, byte for byte. */
    private static void assertHoldsFirstBatches(PartitionLog p, List<byte[]> appended, int n) {
        TreeMap<Long, byte[]> batches = readAllBatches(p);
        assertThat(batches.keySet()).as("%s: base offsets of the recovered batches", p)
                .containsExactlyElementsOf(baseOffsets(n));
        for (int i = 0; i < n; i++) {
            assertThat(batches.get((long) i * RECORDS_PER_BATCH)).as("%s: batch %d after recovery", p, i)
                    .isEqualTo(appended.get(i));
        }
        assertThat(p.logEndOffset()).as("%s: log end offset", p).isEqualTo((long) n * RECORDS_PER_BATCH);
        assertThat(p.highWatermark()).as("%s: high watermark", p).isEqualTo((long) n * RECORDS_PER_BATCH);
    }

    private static List<Long> baseOffsets(int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add((long) i * RECORDS_PER_BATCH);
        }
        return out;
    }

    /** Appends one more batch and checks it lands at the log end and reads back. */
    private static void assertAppendsContinueAt(PartitionLog p, long expectedOffset) {
        MemoryRecords more = Batches.of(99_999, "after-recovery");
        assertThat(p.append(more).firstOffset()).as("%s: offset of the first append after recovery", p)
                .isEqualTo(expectedOffset);
        p.flush();
        assertThat(readAllBatches(p).get(expectedOffset)).as("%s: batch appended after recovery", p)
                .isEqualTo(bytesOf(more));
    }

    // ------------------------------------------------------------------ clean-shutdown marker

    @Test
    void cleanShutdownMarkerIsWrittenOnlyByCloseAndRemovedOnOpen() {
        Path marker = tmp.resolve("data").resolve(LogManager.CLEAN_SHUTDOWN);
        PartitionLog p = topic(Map.of());
        appendBatches(p, 2, 0);
        assertThat(marker).as("marker while open").doesNotExist();
        crash();
        assertThat(marker).as("marker after abort").doesNotExist();
        reopen();
        assertThat(marker).as("marker while open after an unclean stop").doesNotExist();
        cleanClose();
        assertThat(marker).as("marker after close").exists();
        reopen();
        assertThat(marker).as("marker while open after a clean stop").doesNotExist();
    }

    @Test
    void cleanShutdownMarkerSkipsTheRecoveryScan() throws IOException {
        // given a cleanly closed log whose data file was damaged afterwards (not by the log: a bad disk)
        PartitionLog p = topic(Map.of());
        appendBatches(p, BATCHES, 0);
        cleanClose();
        Path log = logFile(p, 0);
        int[] third = batchPositions(log).get(6L);
        flipBytes(log, third[0] + third[1] - 2, 1); // a value byte: the CRC no longer matches
        long size = Files.size(log);

        // when it is opened, the marker says the files are consistent: no batch-by-batch validation
        PartitionLog q = reopen();

        // then nothing was cut (an unclean stop would have cut at the damaged batch; see below)
        assertThat(q.logEndOffset()).isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
        assertThat(Files.size(log)).as("size of %s", log).isEqualTo(size);
    }

    // ------------------------------------------------------------------ torn and corrupt data

    @Test
    void abortKeepsEverythingAlreadyWrittenLikeAProcessCrash() {
        PartitionLog p = topic(Map.of(TopicConfig.FLUSH_MS, "3600000"));
        List<byte[]> appended = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            MemoryRecords b = Batches.of(1000 + i, "a" + i, "b" + i, "c" + i);
            p.append(b);
            appended.add(bytesOf(b));
        }
        assertThat(p.highWatermark()).as("nothing fsynced yet").isZero();
        crash();
        PartitionLog q = reopen();
        assertHoldsFirstBatches(q, appended, 5);
        assertAppendsContinueAt(q, 15);
    }

    @ParameterizedTest(name = "last batch cut after {0} bytes")
    @ValueSource(ints = {1, 8, 11, 12, 16, 17, 21, 40, 61, -1})
    void recoversTruncatedTailAfterCrash(int keep) throws IOException {
        // given a crash that left the last batch only partly written
        PartitionLog p = topic(Map.of());
        List<byte[]> appended = appendBatches(p, BATCHES, 0);
        crash();
        Path log = logFile(p, 0);
        int[] last = batchPositions(log).lastEntry().getValue();
        int kept = keep < 0 ? last[1] - 1 : keep;
        CrashTestSupport.truncate(log, last[0] + kept);

        // when
        PartitionLog q = reopen();

        // then the log is cut to the last whole batch and goes on from there
        assertHoldsFirstBatches(q, appended, BATCHES - 1);
        assertThat(Files.size(log)).as("size of %s after recovery", log).isEqualTo(last[0]);
        assertThat(q.offsetForTimestamp(10_000L + 10L * 8)).map(TimestampOffset::offset).contains(24L);
        assertThat(q.offsetForTimestamp(10_000L + 10L * 9)).as("timestamp of the cut batch").isEmpty();
        assertAppendsContinueAt(q, 27);
    }

    @ParameterizedTest(name = "batch {0}, {1}")
    @CsvSource({
        "9, value", "9, crc", "9, attributes", "9, magic", "9, record-count",
        "4, value", "0, crc", "4, length-too-small"
    })
    void cutsACorruptBatchAndEverythingAfterIt(int batch, String what) throws IOException {
        // given a crash and a batch damaged on disk
        PartitionLog p = topic(Map.of());
        List<byte[]> appended = appendBatches(p, BATCHES, 0);
        crash();
        Path log = logFile(p, 0);
        int[] at = batchPositions(log).get((long) batch * RECORDS_PER_BATCH);
        switch (what) {
            case "value" -> flipBytes(log, at[0] + at[1] - 2, 1);
            case "crc" -> flipBytes(log, at[0] + 17, 4);
            case "attributes" -> flipBytes(log, at[0] + 22, 1);
            case "magic" -> flipBytes(log, at[0] + 16, 1);
            case "record-count" -> flipBytes(log, at[0] + 60, 1);
            case "length-too-small" -> overwrite(log, at[0] + 8, ByteBuffer.allocate(4).putInt(5).array());
            default -> throw new IllegalArgumentException(what);
        }

        // when
        PartitionLog q = reopen();

        // then that batch and everything after it are gone, everything before is intact
        assertHoldsFirstBatches(q, appended, batch);
        assertThat(Files.size(log)).as("size of %s after recovery", log).isEqualTo(at[0]);
        assertAppendsContinueAt(q, (long) batch * RECORDS_PER_BATCH);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"random", "zeros", "header-claiming-more-than-the-file", "whole-batch-with-bad-crc"})
    void cutsGarbageAfterTheLastBatch(String garbage) throws IOException {
        // given a crash that left junk after the last whole batch
        PartitionLog p = topic(Map.of());
        List<byte[]> appended = appendBatches(p, BATCHES, 0);
        crash();
        Path log = logFile(p, 0);
        long size = Files.size(log);
        byte[] junk = switch (garbage) {
            case "random" -> {
                byte[] b = new byte[333];
                new Random(42).nextBytes(b);
                yield b;
            }
            case "zeros" -> new byte[4096];
            case "header-claiming-more-than-the-file" ->
                    ByteBuffer.allocate(40).putLong(30).putInt(1_000_000).putInt(0).put((byte) 2).array();
            case "whole-batch-with-bad-crc" -> {
                byte[] b = appended.get(BATCHES - 1).clone();
                ByteBuffer.wrap(b).putLong(0, 30);
                b[b.length - 2] ^= 0x55;
                yield b;
            }
            default -> throw new IllegalArgumentException(garbage);
        };
        Files.write(log, junk, StandardOpenOption.APPEND);

        // when
        PartitionLog q = reopen();

        // then the junk is gone and no data is lost
        assertHoldsFirstBatches(q, appended, BATCHES);
        assertThat(Files.size(log)).as("size of %s after recovery", log).isEqualTo(size);
        assertAppendsContinueAt(q, (long) BATCHES * RECORDS_PER_BATCH);
    }

    @Test
    void recoveryKeepsBatchesLargerThanALoweredMaxMessageBytes() {
        // given a batch accepted under the default max.message.bytes, then the limit lowered below its size
        PartitionLog p = topic(Map.of());
        List<byte[]> appended = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MemoryRecords b = Batches.sized(3, i == 1 ? 4000 : 10, 1000 + i, Compression.NONE);
            p.append(b);
            appended.add(bytesOf(b));
        }
        p.flush();
        manager.alterTopicConfig("t", Map.of(TopicConfig.MAX_MESSAGE_BYTES, "1024"));
        crash();

        // when the log recovers under the new limit
        PartitionLog q = reopen();

        // then data that was acknowledged under the old limit is still there
        assertHoldsFirstBatches(q, appended, 3);
    }

    // ------------------------------------------------------------------ indexes

    /** A partition that will hold several segments with dense indexes. */
    private PartitionLog indexedTopic() {
        return topic(Map.of(TopicConfig.SEGMENT_BYTES, "1500", TopicConfig.INDEX_INTERVAL_BYTES, "200"));
    }

    private static Map<String, byte[]> indexFiles(PartitionLog p, boolean time) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        List<Long> bases = p.segmentBaseOffsets();
        for (long base : bases.subList(0, bases.size() - 1)) { // sealed segments: their indexes are final
            Path f = time ? timeIndexFile(p, base) : indexFile(p, base);
            out.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return out;
    }

    /** Every read and timestamp lookup answers as before. */
    private static void assertReadsAndLookups(PartitionLog q, List<Rec> expected) {
        assertThat(readAllRecords(q)).as("records after reopening").isEqualTo(expected);
        for (Rec r : expected) {
            assertThat(q.read(r.offset(), 1).records().batches().iterator().next().lastOffset())
                    .as("batch read at offset %d", r.offset()).isGreaterThanOrEqualTo(r.offset());
            assertThat(q.offsetForTimestamp(r.timestamp())).as("offsetForTimestamp(%d)", r.timestamp())
                    .contains(new TimestampOffset(r.timestamp(), r.offset()));
        }
    }

    @ParameterizedTest(name = "{0} deleted after a {1} stop")
    @CsvSource({"index, clean", "timeindex, clean", "both, clean", "index, unclean", "timeindex, unclean"})
    void rebuildsADeletedIndex(String which, String stop) throws IOException {
        // given a log of several segments whose index files are then deleted
        PartitionLog p = indexedTopic();
        appendBatches(p, 40, 0);
        assertThat(p.segmentCount()).isGreaterThan(3);
        List<Rec> records = readAllRecords(p);
        Map<String, byte[]> offsets = indexFiles(p, false);
        Map<String, byte[]> times = indexFiles(p, true);
        assertThat(offsets.values()).as("offset index files hold entries").allMatch(b -> b.length > 0);
        if (stop.equals("clean")) {
            cleanClose();
        } else {
            crash();
        }
        for (long base : p.segmentBaseOffsets()) {
            if (!which.equals("timeindex")) {
                Files.delete(indexFile(p, base));
            }
            if (!which.equals("index")) {
                Files.delete(timeIndexFile(p, base));
            }
        }

        // when
        PartitionLog q = reopen();

        // then the indexes are rebuilt as they were and reads and lookups are right
        assertThat(indexFiles(q, false)).as("offset index files after reopening")
                .containsOnlyKeys(offsets.keySet()).allSatisfy((name, bytes) -> assertThat(bytes).as(name)
                        .isEqualTo(offsets.get(name)));
        assertThat(indexFiles(q, true)).as("time index files after reopening")
                .containsOnlyKeys(times.keySet()).allSatisfy((name, bytes) -> assertThat(bytes).as(name)
                        .isEqualTo(times.get(name)));
        assertReadsAndLookups(q, records);
        assertAppendsContinueAt(q, 40L * RECORDS_PER_BATCH);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "index, random-bytes-odd-size", "index, random-entries", "index, positions-decreasing",
        "index, position-past-the-data", "index, entry-not-on-a-batch-boundary-at-the-end",
        "timeindex, random-bytes-odd-size", "timeindex, random-entries", "timeindex, offset-past-the-data",
        "timeindex, timestamps-decreasing"
    })
    void rebuildsACorruptIndexAfterCleanShutdown(String which, String corruption) throws IOException {
        // given a cleanly closed log whose index files are then damaged
        PartitionLog p = indexedTopic();
        appendBatches(p, 40, 0);
        List<Rec> records = readAllRecords(p);
        Map<String, byte[]> offsets = indexFiles(p, false);
        Map<String, byte[]> times = indexFiles(p, true);
        cleanClose();
        Random random = new Random(7);
        for (long base : p.segmentBaseOffsets()) {
            Path f = which.equals("index") ? indexFile(p, base) : timeIndexFile(p, base);
            long dataSize = Files.size(logFile(p, base));
            ByteBuffer b = ByteBuffer.allocate(which.equals("index") ? 24 : 36);
            switch (corruption) {
                case "random-bytes-odd-size" -> {
                    byte[] r = new byte[13];
                    random.nextBytes(r);
                    b = ByteBuffer.wrap(r);
                }
                case "random-entries" -> random.nextBytes(b.array());
                case "positions-decreasing" -> b.putInt(1).putInt(300).putInt(2).putInt(200).putInt(3).putInt(100);
                case "position-past-the-data" -> b.putInt(1).putInt(1).putInt(2).putInt(2)
                        .putInt(3).putInt((int) dataSize);
                case "entry-not-on-a-batch-boundary-at-the-end" -> b.putInt(3).putInt(5).putInt(6).putInt(7)
                        .putInt(9).putInt((int) dataSize - 20);
                case "offset-past-the-data" -> b.putLong(1).putInt(0).putLong(2).putInt(1)
                        .putLong(3).putInt(1_000_000);
                case "timestamps-decreasing" -> b.putLong(30_000).putInt(0).putLong(20_000).putInt(1)
                        .putLong(10_000).putInt(2);
                default -> throw new IllegalArgumentException(corruption);
            }
            Files.write(f, b.array());
        }

        // when
        PartitionLog q = reopen();

        // then
        assertThat(indexFiles(q, false)).as("offset index files after reopening")
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(offsets.get(name)));
        assertThat(indexFiles(q, true)).as("time index files after reopening")
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(times.get(name)));
        assertReadsAndLookups(q, records);
        assertAppendsContinueAt(q, 40L * RECORDS_PER_BATCH);
    }

    // ------------------------------------------------------------------ recovery point and later segments

    @Test
    void corruptionBeyondTheRecoveryPointDropsTheLaterSegments() throws IOException {
        // given a log that stopped cleanly once (checkpoint at its end), then grew over more segments and
        // crashed before the next checkpoint
        PartitionLog p = topic(Map.of(TopicConfig.SEGMENT_BYTES, "1500"));
        List<byte[]> appended = new ArrayList<>(appendBatches(p, 10, 0));
        cleanClose();
        p = reopen();
        appended.addAll(appendBatches(p, 50, 10));
        List<Long> segments = p.segmentBaseOffsets();
        assertThat(segments).hasSizeGreaterThan(6);
        crash();
        assertThat(checkpointOf("t")).as("recovery point in the checkpoint").isEqualTo(30L);
        long damaged = segments.get(4);
        assertThat(damaged).as("damaged segment starts past the recovery point").isGreaterThan(30L);
        TreeMap<Long, int[]> batches = batchPositions(logFile(p, damaged));
        long corruptBatch = batches.keySet().stream().skip(2).findFirst().orElseThrow();
        int[] at = batches.get(corruptBatch);
        flipBytes(logFile(p, damaged), at[0] + at[1] - 2, 1);

        // when
        ListAppender<ILoggingEvent> loader = CrashTestSupport.capture(LogLoader.class);
        ListAppender<ILoggingEvent> segment = CrashTestSupport.capture(LogSegment.class);
        PartitionLog q;
        try {
            q = reopen();
        } finally {
            CrashTestSupport.stopCapture(LogLoader.class, loader);
            CrashTestSupport.stopCapture(LogSegment.class, segment);
        }

        // then the damaged segment is cut at the bad batch and every later segment is deleted, loudly
        assertThat(q.segmentBaseOffsets()).as("segments after recovery").isEqualTo(segments.subList(0, 5));
        int kept = (int) (corruptBatch / RECORDS_PER_BATCH);
        assertHoldsFirstBatches(q, appended, kept);
        for (long later : segments.subList(5, segments.size())) {
            assertThat(logFile(q, later)).doesNotExist();
            assertThat(indexFile(q, later)).doesNotExist();
            assertThat(timeIndexFile(q, later)).doesNotExist();
            assertThat(CrashTestSupport.messages(loader)).as("log of the recovery")
                    .anyMatch(m -> m.startsWith("WARN") && m.contains("deleting segment")
                            && m.contains(logFile(q, later).getFileName().toString()));
        }
        assertThat(CrashTestSupport.messages(segment)).as("log of the recovery")
                .anyMatch(m -> m.startsWith("WARN") && m.contains("Truncating") && m.contains("at position " + at[0]));
        assertAppendsContinueAt(q, corruptBatch);
    }

    @Test
    void corruptionInAnEarlierSegmentWithNoCheckpointDropsTheLaterSegments() throws IOException {
        // given a crash before any checkpoint covered the partition (recovery starts at offset 0)
        PartitionLog p = topic(Map.of(TopicConfig.SEGMENT_BYTES, "1500"));
        List<byte[]> appended = appendBatches(p, 40, 0);
        List<Long> segments = p.segmentBaseOffsets();
        assertThat(segments).hasSizeGreaterThan(4);
        crash();
        assertThat(checkpointOf("t")).as("recovery point in the checkpoint").isNull();
        long damaged = segments.get(1);
        int[] first = batchPositions(logFile(p, damaged)).firstEntry().getValue();
        flipBytes(logFile(p, damaged), first[0] + 17, 4); // CRC of the segment's first batch

        // when
        ListAppender<ILoggingEvent> loader = CrashTestSupport.capture(LogLoader.class);
        PartitionLog q;
        try {
            q = reopen();
        } finally {
            CrashTestSupport.stopCapture(LogLoader.class, loader);
        }

        // then only the first segment is left, intact; the emptied one stays as the active segment
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments.subList(0, 2));
        assertHoldsFirstBatches(q, appended, (int) (damaged / RECORDS_PER_BATCH));
        assertThat(CrashTestSupport.messages(loader).stream().filter(m -> m.contains("deleting segment")))
                .as("deletions logged").hasSize(segments.size() - 2);
        assertAppendsContinueAt(q, damaged);
    }

    @Test
    void segmentsBelowTheRecoveryPointAreNotRescanned() throws IOException {
        // given a checkpoint at offset 30 and a crash after more segments were written
        PartitionLog p = topic(Map.of(TopicConfig.SEGMENT_BYTES, "1500"));
        appendBatches(p, 10, 0);
        cleanClose();
        p = reopen();
        appendBatches(p, 20, 10);
        List<Long> segments = p.segmentBaseOffsets();
        crash();
        assertThat(checkpointOf("t")).isEqualTo(30L);
        assertThat(segments.get(1)).as("second segment lies below the recovery point").isLessThanOrEqualTo(30L);
        // a damaged batch in the first segment, wholly below the recovery point
        int[] at = batchPositions(logFile(p, 0)).get(3L);
        flipBytes(logFile(p, 0), at[0] + at[1] - 2, 1);

        // when
        PartitionLog q = reopen();

        // then recovery trusted it (it was fsynced before the checkpoint) and scanned only from the
        // recovery point's segment on
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        assertThat(q.logEndOffset()).isEqualTo(30L * RECORDS_PER_BATCH);
    }

    // ------------------------------------------------------------------ producer state

    @Test
    void idempotentProducerStateFollowsTheRecoveredLog() throws IOException {
        // given an idempotent producer's batches over several segments (with producer-state snapshots)
        PartitionLog p = topic(Map.of(TopicConfig.SEGMENT_BYTES, "200"));
        for (int seq = 0; seq < 10; seq++) {
            assertThat(p.append(Batches.idempotent(42L, (short) 0, seq, "v" + seq)).firstOffset()).isEqualTo(seq);
        }
        p.flush();
        assertThat(p.segmentCount()).isGreaterThan(2);
        crash();
        // and a crash that corrupted the batch at offset 6
        long segment = p.segmentBaseOffsets().stream().filter(b -> b <= 6).reduce((a, b) -> b).orElseThrow();
        int[] at = batchPositions(logFile(p, segment)).get(6L);
        flipBytes(logFile(p, segment), at[0] + at[1] - 2, 1);

        // when
        PartitionLog q = reopen();

        // then the producer's state is that of the recovered log: seq 6 is new again, 5 a duplicate
        assertThat(q.logEndOffset()).isEqualTo(6);
        AppendResult dup = q.append(Batches.idempotent(42L, (short) 0, 5, "v5"));
        assertThat(dup.duplicate()).as("re-sent sequence 5 is a duplicate").isTrue();
        assertThat(dup.firstOffset()).isEqualTo(5);
        AppendResult fresh = q.append(Batches.idempotent(42L, (short) 0, 6, "v6-again"));
        assertThat(fresh.duplicate()).as("sequence 6 was lost with the corrupt batch").isFalse();
        assertThat(fresh.firstOffset()).isEqualTo(6);
    }

    // ------------------------------------------------------------------ helpers

    private Long checkpointOf(String topic) throws IOException {
        Map<String, Long> out = new HashMap<>();
        String[] lines = Files.readString(data.resolve(RecoveryCheckpoint.FILE)).split("\n");
        for (int i = 2; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            out.put(f[0], Long.parseLong(f[2]));
        }
        return out.get(topic);
    }

    private static void overwrite(Path file, int position, byte[] bytes) throws IOException {
        byte[] b = Files.readAllBytes(file);
        System.arraycopy(bytes, 0, b, position, bytes.length);
        Files.write(file, b);
    }
}
