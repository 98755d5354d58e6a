package io.sluice.log;

import io.sluice.log.testing.ManualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.internals.SegmentFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCleanerTest {
    private static final long START_MS = 2_000_000_000L;

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

    /** A record as appended: its offset, key and value (null for a tombstone). */
    private record Written(long offset, String key, String value) {
    }

    private PartitionLog compactedTopic(String... overrides) {
        log = LogManager.open(LogManagerConfig.defaults(dir).withTime(time));
        Map<String, String> config = new HashMap<>(PartitionLogFixture.NO_AUTO_FLUSH);
        config.put(TopicConfig.CLEANUP_POLICY, "compact");
        config.put(TopicConfig.SEGMENT_BYTES, "1024");
        for (int i = 0; i < overrides.length; i += 2) {
            config.put(overrides[i], overrides[i + 1]);
        }
        log.createTopic("t", 1, config);
        return log.partition("t", 0);
    }

    private PartitionLog reopen(boolean clean) {
        if (clean) {
            log.close();
        } else {
            log.abort();
        }
        log = LogManager.open(LogManagerConfig.defaults(dir).withTime(time));
        return log.partition("t", 0);
    }

    /** Appends one batch of keyed records and returns them with their offsets. */
    private static List<Written> append(PartitionLog p, String[] keys, String[] values) {
        AppendResult r = p.append(Batches.keyed(1000, keys, values));
        List<Written> out = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            out.add(new Written(r.firstOffset() + i, keys[i], values[i]));
        }
        return out;
    }

    /** Appends random keyed batches (keys k0..k{keys-1}) until the log has at least {@code segments} segments. */
    private static List<Written> fill(PartitionLog p, Random random, int keys, int segments) {
        List<Written> written = new ArrayList<>();
        int n = 0;
        while (p.segmentCount() < segments) {
            int count = 1 + random.nextInt(3);
            String[] k = new String[count];
            String[] v = new String[count];
            for (int i = 0; i < count; i++) {
                k[i] = "k" + random.nextInt(keys);
                v[i] = k[i] + "-v" + (n++);
            }
            written.addAll(append(p, k, v));
        }
        return written;
    }

    /** What compaction must leave: the latest record of each key below the active segment, and all of it above. */
    private static Map<Long, String> expectedAfterCompaction(List<Written> written, long activeBase) {
        Map<String, Long> latest = new HashMap<>();
        for (Written w : written) {
            if (w.offset() < activeBase) {
                latest.put(w.key(), w.offset());
            }
        }
        Map<Long, String> expected = new TreeMap<>();
        for (Written w : written) {
            if (w.offset() >= activeBase || latest.get(w.key()) == w.offset()) {
                expected.put(w.offset(), w.value());
            }
        }
        return expected;
    }

    private static Map<Long, String> asMap(List<Written> written) {
        Map<Long, String> m = new TreeMap<>();
        written.forEach(w -> m.put(w.offset(), w.value()));
        return m;
    }

    /** Every read, from every offset, starts with the next surviving record at or after that offset. */
    private static void assertReadsConsistent(PartitionLog p, Map<Long, String> expected) {
        TreeMap<Long, String> survivors = new TreeMap<>(expected);
        for (long o = p.logStartOffset(); o < p.highWatermark(); o++) {
            Map.Entry<Long, String> next = survivors.ceilingEntry(o);
            Record first = null;
            long from = o;
            while (first == null && from < p.highWatermark()) {
                // a consumer skips a batch emptied by compaction and reads on after it
                for (RecordBatch b : p.read(from, 1).records().batches()) {
                    assertThat(b.lastOffset()).as("last offset of a batch read at %d", from).isGreaterThanOrEqualTo(from);
                    for (Record r : b) {
                        if (r.offset() >= o) {
                            first = r;
                            break;
                        }
                    }
                    from = b.lastOffset() + 1;
                    if (first != null) {
                        break;
                    }
                }
            }
            if (next == null) {
                continue; // only emptied batches left below the high watermark
            }
            assertThat(first).as("first record read at offset %d", o).isNotNull();
            assertThat(first.offset()).as("first record read at offset %d", o).isEqualTo(next.getKey());
            String value = first.hasValue() ? StandardCharsets.UTF_8.decode(first.value()).toString() : null;
            assertThat(value).as("value at offset %d", first.offset()).isEqualTo(next.getValue());
        }
    }

    @Test
    void compactionKeepsTheLatestValuePerKeyAtItsOriginalOffset() throws Exception {
        // given many segments of updates to 10 keys
        PartitionLog p = compactedTopic();
        List<Written> written = fill(p, new Random(1), 10, 6);
        p.flush();
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);
        Path activeFile = SegmentFiles.log(p.dir(), activeBase);
        byte[] activeBytes = Files.readAllBytes(activeFile);
        long end = p.logEndOffset();

        // when
        long removed = log.compactNow("t", 0);

        // then
        Map<Long, String> expected = expectedAfterCompaction(written, activeBase);
        assertThat(removed).as("records removed").isEqualTo(written.size() - expected.size());
        assertThat(PartitionLogFixture.readAll(p)).as("records after compaction").isEqualTo(expected);
        assertThat(p.logEndOffset()).as("offsets are never renumbered").isEqualTo(end);
        assertThat(p.highWatermark()).isEqualTo(end);
        assertThat(p.logStartOffset()).isZero();
        assertThat(p.segmentBaseOffsets()).first().isEqualTo(0L);
        assertThat(p.segmentBaseOffsets()).last().isEqualTo(activeBase);
        assertThat(Files.readAllBytes(activeFile)).as("active segment bytes").isEqualTo(activeBytes);
        assertReadsConsistent(p, expected);
    }

    @Test
    void compactionNeverTouchesTheActiveSegment() throws Exception {
        // given duplicates of one key in the active segment only
        PartitionLog p = compactedTopic();
        List<Written> written = new ArrayList<>(fill(p, new Random(2), 5, 3));
        for (int i = 0; i < 3; i++) {
            written.addAll(append(p, new String[] {"hot"}, new String[] {"hot-" + i}));
        }
        p.flush();
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);
        byte[] activeBytes = Files.readAllBytes(SegmentFiles.log(p.dir(), activeBase));

        // when
        log.compactNow("t", 0);

        // then
        assertThat(Files.readAllBytes(SegmentFiles.log(p.dir(), activeBase))).isEqualTo(activeBytes);
        Map<Long, String> all = PartitionLogFixture.readAll(p);
        assertThat(all.values().stream().filter(v -> v.startsWith("hot-")).toList())
                .containsExactly("hot-0", "hot-1", "hot-2");
        assertThat(all).isEqualTo(expectedAfterCompaction(written, activeBase));
    }

    @Test
    void dataNotYetDurableIsNotCompacted() {
        // given segments rolled but nothing flushed
        PartitionLog p = compactedTopic();
        List<Written> written = fill(p, new Random(3), 3, 4);

        // when
        long removed = log.compactNow("t", 0);

        // then
        assertThat(removed).isZero();
        p.flush();
        assertThat(PartitionLogFixture.readAll(p)).isEqualTo(asMap(written));
    }

    @Test
    void tombstonesSurviveTheFirstCleaningAndGoOnceDeleteRetentionPassed() {
        // given a key written then deleted, in segments that are no longer active
        PartitionLog p = compactedTopic(TopicConfig.DELETE_RETENTION_MS, "1000");
        List<Written> written = new ArrayList<>();
        written.addAll(append(p, new String[] {"gone", "kept"}, new String[] {"gone-1", "kept-1"}));
        written.addAll(append(p, new String[] {"gone"}, new String[] {null}));
        written.addAll(fill(p, new Random(4), 4, 3));
        p.roll();
        written.addAll(append(p, new String[] {"tail"}, new String[] {"tail-1"}));
        p.flush();
        long tombstone = 2;

        // when: first cleaning
        log.compactNow("t", 0);

        // then: the tombstone stays, the value it deletes is gone
        Map<Long, String> afterFirst = PartitionLogFixture.readAll(p);
        assertThat(afterFirst).containsEntry(tombstone, null);
        assertThat(afterFirst).doesNotContainKey(0L);
        assertThat(afterFirst).containsEntry(1L, "kept-1");

        // when: cleaned again before delete.retention.ms has passed
        time.advance(999);
        log.compactNow("t", 0);

        // then
        assertThat(PartitionLogFixture.readAll(p)).containsEntry(tombstone, null);

        // when: cleaned once delete.retention.ms has passed since the first cleaning
        time.advance(2);
        log.compactNow("t", 0);

        // then
        Map<Long, String> afterLast = PartitionLogFixture.readAll(p);
        assertThat(afterLast).doesNotContainKey(tombstone);
        assertThat(afterLast).containsEntry(1L, "kept-1");
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);
        Map<Long, String> expected = expectedAfterCompaction(written, activeBase);
        expected.remove(tombstone);
        assertThat(afterLast).isEqualTo(expected);
        assertReadsConsistent(p, expected);
    }

    @Test
    void readsAcrossTheCompactedRegionAreConsistent() {
        PartitionLog p = compactedTopic(TopicConfig.INDEX_INTERVAL_BYTES, "100");
        List<Written> written = fill(p, new Random(5), 7, 8);
        p.flush();
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);

        log.compactNow("t", 0);

        Map<Long, String> expected = expectedAfterCompaction(written, activeBase);
        assertReadsConsistent(p, expected);
        assertThat(p.offsetForTimestamp(1000)).contains(new TimestampOffset(1000, expected.keySet().iterator().next()));
    }

    @Test
    void compactionOfManySmallSegmentsIntoOneGroupSucceeds() {
        // given segments rolled because their 48-byte indexes filled up, many to a cleaning group
        PartitionLog p = compactedTopic(TopicConfig.SEGMENT_BYTES, "1000000", TopicConfig.SEGMENT_INDEX_BYTES, "48",
                TopicConfig.INDEX_INTERVAL_BYTES, "0");
        List<Written> written = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            AppendResult r = p.append(Batches.keyed(1000 + i, new String[] {"key-" + i}, new String[] {"value-" + i}));
            written.add(new Written(r.firstOffset(), "key-" + i, "value-" + i));
        }
        p.flush();
        assertThat(p.segmentCount()).isGreaterThan(5);
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);

        // when: every key is distinct, so the cleaned group holds every batch of every segment
        log.compactNow("t", 0);

        // then
        assertThat(p.segmentCount()).isEqualTo(2);
        assertThat(PartitionLogFixture.readAll(p)).isEqualTo(expectedAfterCompaction(written, activeBase));
        for (int i = 0; i < 60; i++) {
            assertThat(p.offsetForTimestamp(1000 + i)).as("timestamp %d", 1000 + i)
                    .contains(new TimestampOffset(1000 + i, i));
        }
    }

    @Test
    void compactedLogSurvivesCleanAndUncleanRestarts() throws Exception {
        // given a compacted log
        PartitionLog p = compactedTopic();
        List<Written> written = fill(p, new Random(6), 6, 5);
        p.flush();
        long activeBase = p.segmentBaseOffsets().get(p.segmentCount() - 1);
        log.compactNow("t", 0);
        Map<Long, String> expected = expectedAfterCompaction(written, activeBase);
        List<Long> segments = p.segmentBaseOffsets();

        // when / then: clean restart
        PartitionLog q = reopen(true);
        assertThat(q.segmentBaseOffsets()).isEqualTo(segments);
        assertThat(PartitionLogFixture.readAll(q)).isEqualTo(expected);
        try (var files = Files.list(q.dir())) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".deleted")
                    || n.contains(".cleaned") || n.contains(".swap")).toList()).as("leftover files after restart").isEmpty();
        }

        // when / then: unclean restart, then appends and another compaction
        q = reopen(false);
        assertThat(PartitionLogFixture.readAll(q)).isEqualTo(expected);
        long next = q.logEndOffset();
        List<Written> more = new ArrayList<>(written);
        more.addAll(append(q, new String[] {"k0"}, new String[] {"k0-final"}));
        assertThat(more.get(more.size() - 1).offset()).isEqualTo(next);
        q.roll();
        more.addAll(append(q, new String[] {"k1"}, new String[] {"k1-final"}));
        q.flush();
        log.compactNow("t", 0);
        long newActive = q.segmentBaseOffsets().get(q.segmentCount() - 1);
        assertThat(PartitionLogFixture.readAll(q)).isEqualTo(expectedAfterCompaction(more, newActive));
    }
}
