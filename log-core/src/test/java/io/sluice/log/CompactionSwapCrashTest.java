package io.sluice.log;

import static io.sluice.log.CrashTestSupport.fileNames;
import static io.sluice.log.CrashTestSupport.readAllBatches;
import static io.sluice.log.CrashTestSupport.readAllRecords;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.CrashTestSupport.Rec;
import io.sluice.log.internals.FileIO;
import io.sluice.log.internals.LogSegment;
import io.sluice.log.internals.SegmentFiles;
import io.sluice.log.testing.PowerLossFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash in the middle of a compaction swap: recovery leaves either the old segments or the compacted
 * one in place, never both and never neither, keeps every offset as it was, and leaves no
 * {@code .cleaned}, {@code .swap} or {@code .deleted} file behind.
 *
 * <p>The partition holds 40 keys written 8 times (keys 0-4 deleted by a tombstone in round 3) in
 * single-record batches over many small segments. Each segment is more than half of
 * {@code segment.bytes}, so the cleaner compacts one segment per group and a crash at its first step
 * leaves exactly segment 0 in question.
 */
class CompactionSwapCrashTest {
    private static final int KEYS = 40;
    private static final int ROUNDS = 8;
    private static final String SEGMENT_BYTES = "2048";

    @TempDir
    Path tmp;
    private Path data;
    private LogManager manager;
    /** Every record appended, in offset order. */
    private final List<Rec> all = new ArrayList<>();
    /** Each key's latest record. */
    private final Map<String, Rec> latest = new LinkedHashMap<>();

    @BeforeEach
    void dataDir() {
        data = tmp.resolve("data");
    }

    @AfterEach
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }

    private PartitionLog open(FileIO io) {
        manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        return manager.partition("c", 0);
    }

    /** Creates and fills the compacted partition; all of it is durable and in inactive segments. */
    private PartitionLog compactedTopic(FileIO io) {
        manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        manager.createTopic("c", 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.SEGMENT_BYTES, SEGMENT_BYTES, TopicConfig.INDEX_INTERVAL_BYTES, "256"));
        PartitionLog p = manager.partition("c", 0);
        long ts = 1_000;
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < KEYS; k++) {
                String key = String.format("key-%02d", k);
                boolean deleted = k < 5 && round >= 3;
                if (deleted && round > 3) {
                    continue;
                }
                String value = deleted ? null : key + "-round-" + round + "-" + "x".repeat(k % 7 * 5);
                long offset = p.append(Batches.keyed(ts, new String[] {key}, new String[] {value})).firstOffset();
                Rec r = new Rec(offset, key, value, ts++);
                all.add(r);
                latest.put(key, r);
            }
        }
        p.flush();
        p.roll();
        assertThat(p.segmentCount()).as("segments of the compacted partition").isGreaterThan(5);
        return p;
    }

    /** Closes cleanly and reopens, so the recovery checkpoint covers everything written so far. */
    private PartitionLog checkpointed(PartitionLog p) {
        manager.close();
        return open(FileIO.real());
    }

    private void crash() {
        manager.abort();
        manager = null;
    }

    private static LogCleaner failingAt(String step, ThrowingRunnable beforeThrow) {
        return new LogCleaner(reached -> {
            if (reached.equals(step)) {
                beforeThrow.run();
                throw new IOException("simulated crash at " + step);
            }
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws IOException;
    }

    // ------------------------------------------------------------------ expectations

    /** The records once the segment group [0, groupEnd) has been compacted against the whole partition. */
    private List<Rec> firstGroupCompacted(long groupEnd) {
        return all.stream().filter(r -> r.offset() >= groupEnd || latest.get(r.key()).offset() == r.offset())
                .toList();
    }

    private List<Rec> fullyCompacted() {
        return all.stream().filter(r -> latest.get(r.key()).offset() == r.offset()).toList();
    }

    /** Records as expected, batches in order without overlap, segments contiguous, no leftover files. */
    private static void assertLog(PartitionLog q, List<Rec> expected, String what) throws IOException {
        assertThat(readAllRecords(q)).as("%s: records of %s", what, q).containsExactlyElementsOf(expected);
        long next = q.logStartOffset();
        for (Map.Entry<Long, byte[]> e : readAllBatches(q).entrySet()) {
            assertThat(e.getKey()).as("%s: batch base offset after offset %d", what, next - 1)
                    .isGreaterThanOrEqualTo(next);
            for (RecordBatch b : MemoryRecords.readableRecords(ByteBuffer.wrap(e.getValue())).batches()) {
                next = b.nextOffset();
            }
        }
        List<LogSegment> segments = new ArrayList<>(q.maintainableSegments());
        segments.add(q.activeSegment());
        for (int i = 0; i + 1 < segments.size(); i++) {
            assertThat(segments.get(i).nextOffset()).as("%s: end of %s vs the next segment", what, segments.get(i))
                    .isEqualTo(segments.get(i + 1).baseOffset());
        }
        assertThat(fileNames(q.dir())).as("%s: files of %s", what, q.dir())
                .noneMatch(n -> n.endsWith(SegmentFiles.CLEANED) || n.endsWith(SegmentFiles.SWAP)
                        || n.endsWith(SegmentFiles.DELETED) || n.endsWith(".tmp"));
    }

    /** A later compaction of the recovered log finishes the job: the latest record of every key, same offsets. */
    private void assertCompactsToLatest(PartitionLog q) throws IOException {
        manager.compactNow("c", 0);
        assertThat(readAllRecords(q)).as("records after compacting the recovered log")
                .containsExactlyElementsOf(fullyCompacted());
    }

    // ------------------------------------------------------------------ process crash (files as written)

    @Test
    void crashBeforeTheSwapCommitKeepsTheOldSegments() throws IOException {
        // given a compaction that dies once its .cleaned files are written and fsynced
        PartitionLog p = checkpointed(compactedTopic(FileIO.real()));
        List<Long> segments = p.segmentBaseOffsets();
        Map<Path, byte[]> atCrash = new HashMap<>();
        LogCleaner cleaner = failingAt(LogCleaner.CLEANED_WRITTEN, () -> atCrash.putAll(CrashTestSupport.snapshot(data)));
        assertThatThrownBy(() -> cleaner.clean(p, true)).hasMessageContaining("simulated crash");
        crash();
        // a killed process leaves the files as they were at that step (the cleaner's own cleanup never ran)
        CrashTestSupport.restore(data, atCrash);
        assertThat(fileNames(p.dir())).as("files at the crash").contains("00000000000000000000.log.cleaned");

        // when
        PartitionLog q = open(FileIO.real());

        // then the old segments are in place, untouched
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        assertLog(q, all, "after recovery");
        assertCompactsToLatest(q);
    }

    @Test
    void crashAfterTheSwapCommitCompletesTheSwapOnRecovery() throws IOException {
        // given a compaction that dies right after its .swap commit point
        PartitionLog p = checkpointed(compactedTopic(FileIO.real()));
        List<Long> segments = p.segmentBaseOffsets();
        long groupEnd = segments.get(1);
        AtomicReference<List<String>> atCrash = new AtomicReference<>();
        LogCleaner cleaner = failingAt(LogCleaner.SWAP_COMMITTED, () -> atCrash.set(fileNames(p.dir())));
        assertThatThrownBy(() -> cleaner.clean(p, true)).hasMessageContaining("simulated crash");
        crash();
        assertThat(atCrash.get()).as("files at the crash")
                .contains("00000000000000000000.log.swap", "00000000000000000000.log");

        // when
        PartitionLog q = open(FileIO.real());

        // then the compacted segment replaced the old one
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        assertLog(q, firstGroupCompacted(groupEnd), "after recovery");
        assertThat(firstGroupCompacted(groupEnd)).as("the swap dropped something").hasSizeLessThan(all.size());
        assertCompactsToLatest(q);
    }

    /**
     * The steps of {@code PartitionLog.replaceSegments} after the commit: the old segment's files get
     * {@code .deleted} (data file first), then the swap's files lose {@code .swap} (data file first).
     * A crash after any number of them must end the same way: the swap completed.
     */
    @ParameterizedTest(name = "crash after {0} of the renames")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void crashDuringTheRenamesAfterTheCommitCompletesTheSwap(int renamesDone) throws IOException {
        PartitionLog p = checkpointed(compactedTopic(FileIO.real()));
        List<Long> segments = p.segmentBaseOffsets();
        long groupEnd = segments.get(1);
        LogCleaner cleaner = failingAt(LogCleaner.SWAP_COMMITTED, () -> { });
        assertThatThrownBy(() -> cleaner.clean(p, true)).hasMessageContaining("simulated crash");
        crash();
        Path dir = p.dir();
        Path log = SegmentFiles.log(dir, 0);
        Path index = SegmentFiles.index(dir, 0);
        Path time = SegmentFiles.timeIndex(dir, 0);
        Path[][] renames = {
            {log, SegmentFiles.withSuffix(log, SegmentFiles.DELETED)},
            {index, SegmentFiles.withSuffix(index, SegmentFiles.DELETED)},
            {time, SegmentFiles.withSuffix(time, SegmentFiles.DELETED)},
            {SegmentFiles.withSuffix(log, SegmentFiles.SWAP), log},
            {SegmentFiles.withSuffix(index, SegmentFiles.SWAP), index},
            {SegmentFiles.withSuffix(time, SegmentFiles.SWAP), time},
        };
        for (int i = 0; i < renamesDone; i++) {
            Files.move(renames[i][0], renames[i][1]);
        }

        PartitionLog q = open(FileIO.real());

        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        assertLog(q, firstGroupCompacted(groupEnd), "after recovery from " + renamesDone + " renames");
        assertCompactsToLatest(q);
    }

    // ------------------------------------------------------------------ power loss (only what was fsynced)

    @ParameterizedTest(name = "power loss at {0}")
    @ValueSource(strings = {LogCleaner.CLEANED_WRITTEN, LogCleaner.SWAP_COMMITTED})
    void powerLossDuringCompactionLeavesTheOldOrTheNewSegment(String step) throws IOException {
        // given a compacted partition on a disk that loses whatever is not fsynced
        PowerLossFileIO io = new PowerLossFileIO(data);
        PartitionLog p = compactedTopic(io);
        List<Long> segments = p.segmentBaseOffsets();
        long groupEnd = segments.get(1);
        LogCleaner cleaner = failingAt(step, io::crash);

        // when the power fails at that step of the first swap (the cleaner's own cleanup then fails too)
        assertThatThrownBy(() -> cleaner.clean(p, true)).isInstanceOf(IOException.class);
        assertThat(io.crashed()).isTrue();
        crash();
        PartitionLog q = open(FileIO.real());

        // then before the commit the old segment stays; after it, the compacted one is in place
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        List<Rec> expected = step.equals(LogCleaner.CLEANED_WRITTEN) ? all : firstGroupCompacted(groupEnd);
        assertLog(q, expected, "after power loss at " + step);
        assertCompactsToLatest(q);
    }
}
