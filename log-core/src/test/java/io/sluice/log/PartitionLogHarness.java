package io.sluice.log;

import static io.sluice.log.PartitionLogModel.records;
import static io.sluice.log.PartitionLogModel.wholeBatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.PartitionLogModel.Before;
import io.sluice.log.PartitionLogModel.Stored;
import io.sluice.log.PartitionLogOperations.Append;
import io.sluice.log.PartitionLogOperations.Batch;
import io.sluice.log.PartitionLogOperations.Compact;
import io.sluice.log.PartitionLogOperations.Flush;
import io.sluice.log.PartitionLogOperations.Op;
import io.sluice.log.PartitionLogOperations.Policy;
import io.sluice.log.PartitionLogOperations.Read;
import io.sluice.log.PartitionLogOperations.Rec;
import io.sluice.log.PartitionLogOperations.Restart;
import io.sluice.log.PartitionLogOperations.Retain;
import io.sluice.log.PartitionLogOperations.Roll;
import io.sluice.log.PartitionLogOperations.Setup;
import io.sluice.log.PartitionLogOperations.Tick;
import io.sluice.log.PartitionLogOperations.TimeNearNow;
import io.sluice.log.PartitionLogOperations.TimeOfRecord;
import io.sluice.log.internals.LogSegment;
import io.sluice.log.testing.ManualTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * The real log and the model of {@link PartitionLogPropertyTest} side by side: applies each operation to a
 * {@link PartitionLog} (through {@link LogManager}, in a fresh directory) and to the in-memory model, and checks
 * that the two agree.
 */
final class PartitionLogHarness implements AutoCloseable {
    private static final String TOPIC = "t";

    final Setup setup;
    final ManualTime time = new ManualTime();
    final Path dir;
    LogManager manager;
    PartitionLog log;

    // the model
    final TreeMap<Long, Stored> model = new TreeMap<>();
    long logStart;
    long hw;
    long leo;
    /** Tombstone offset -> earliest time a cleaning that may have run covered it. */
    final Map<Long, Long> tombstoneMaybeCleanedAt = new HashMap<>();
    /** Tombstone offset -> earliest time a cleaning that surely ran (compactNow) covered it. */
    final Map<Long, Long> tombstoneSurelyCleanedAt = new HashMap<>();
    Long retentionMs;
    Long retentionBytes;
    /** Records appended since the last flush, for flush.messages. */
    long unflushed;
    int seq;

    // statistics
    int restarts;
    long retentionDeletedRecords;
    long compactedAway;
    long expiredTombstones;

    PartitionLogHarness(Setup setup) throws IOException {
        this.setup = setup;
        this.dir = Files.createTempDirectory("sluice-partition-log-property-");
        open();
        manager.createTopic(TOPIC, 1, setup.overrides());
        log = manager.partition(TOPIC, 0);
    }

    private void open() {
        manager = LogManager.open(LogManagerConfig.defaults(dir).withTime(time));
        if (manager.topic(TOPIC).isPresent()) {
            log = manager.partition(TOPIC, 0);
        }
    }

    String describe() {
        String segments;
        try {
            segments = log.segmentBaseOffsets().toString();
        } catch (RuntimeException e) {
            segments = "?";
        }
        return "model(logStart=" + logStart + ", hw=" + hw + ", leo=" + leo + ", records=" + model.size()
                + ") log(logStart=" + log.logStartOffset() + ", hw=" + log.highWatermark() + ", leo="
                + log.logEndOffset() + ", segments=" + segments + ") now=" + time.milliseconds();
    }

    void apply(Op op) {
        if (op instanceof Append a) {
            append(a);
        } else if (op instanceof Flush) {
            assertThat(log.flush()).as("flush() returns the new high watermark, the log end").isEqualTo(leo);
            hw = leo;
            unflushed = 0;
        } else if (op instanceof Read r) {
            read(r);
        } else if (op instanceof TimeOfRecord t) {
            List<Stored> durable = durable();
            long target = durable.isEmpty() ? time.milliseconds() + t.delta()
                    : durable.get(Math.floorMod(t.pick(), durable.size())).timestamp() + t.delta();
            checkTimestampLookup(target);
        } else if (op instanceof TimeNearNow t) {
            checkTimestampLookup(time.milliseconds() + t.delta());
        } else if (op instanceof Roll) {
            log.roll();
            List<Long> bases = log.segmentBaseOffsets();
            assertThat(bases.get(bases.size() - 1)).as("after roll() the active segment starts at the log end "
                    + "(segments %s)", bases).isEqualTo(leo);
        } else if (op instanceof Tick t) {
            time.advance(t.ms());
        } else if (op instanceof Retain r) {
            retain(r);
        } else if (op instanceof Compact) {
            Before before = before();
            long removed = manager.compactNow(TOPIC, 0);
            reconcile(before, true, removed);
        } else if (op instanceof Restart r) {
            restart(r.clean());
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private void append(Append a) {
        long next = leo;
        List<Stored> added = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        int bytes = 0;
        for (Batch b : a.batches()) {
            SimpleRecord[] records = new SimpleRecord[b.records().size()];
            for (int i = 0; i < records.length; i++) {
                Rec r = b.records().get(i);
                long createTime = time.milliseconds() + r.tsDelta();
                long ts = setup.timing().logAppendTime() ? time.milliseconds() : createTime;
                String key = r.key() < 0 ? null : "k" + r.key();
                String value = r.valueSize() < 0 ? null : value(seq++, r.valueSize());
                records[i] = new SimpleRecord(createTime, utf8(key), utf8(value));
                added.add(new Stored(next++, ts, key, value));
            }
            ByteBuffer buf = MemoryRecords.withRecords(b.gzip() ? Compression.gzip().build() : Compression.NONE, records)
                    .buffer();
            buffers.add(buf);
            bytes += buf.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(bytes);
        buffers.forEach(all::put);
        AppendResult result = log.append(MemoryRecords.readableRecords(all.flip()));
        assertThat(result.firstOffset()).as("first offset assigned").isEqualTo(leo);
        assertThat(result.lastOffset()).as("last offset assigned").isEqualTo(next - 1);
        assertThat(result.duplicate()).as("duplicate flag of a non-idempotent append").isFalse();
        assertThat(result.logAppendTimeMs()).as("log append time in the append result")
                .isEqualTo(setup.timing().logAppendTime() ? time.milliseconds() : -1);
        added.forEach(s -> model.put(s.offset(), s));
        leo = next;
        unflushed += added.size();
        if (setup.timing().flushMessages() > 0 && unflushed >= setup.timing().flushMessages()) {
            hw = leo; // flush.messages reached: the append fsyncs
            unflushed = 0;
        }
        if (a.flush()) {
            assertThat(log.flush()).as("flush() after append returns the log end").isEqualTo(leo);
            hw = leo;
            unflushed = 0;
        }
    }

    private static String value(int seq, int size) {
        StringBuilder sb = new StringBuilder("v").append(seq).append('/');
        char fill = (char) ('a' + seq % 26);
        for (int i = 0; i < size; i++) {
            sb.append(fill);
        }
        return sb.toString();
    }

    private void read(Read r) {
        long offset = switch (r.where()) {
            case BELOW_START -> logStart - 1 - r.pick() % 3;
            case IN_RANGE -> hw > logStart ? logStart + Math.floorMod(r.pick(), hw - logStart) : hw;
            case AT_HW -> hw;
            case ABOVE_HW -> hw + 1 + r.pick() % 3;
        };
        checkRead(offset, r.maxBytes());
    }

    /** Compares read(offset, maxBytes) with what the model says it must return. */
    void checkRead(long offset, int maxBytes) {
        if (offset < logStart || offset > hw) {
            assertThatThrownBy(() -> log.read(offset, maxBytes))
                    .as("read(%d) outside [logStart=%d, hw=%d]", offset, logStart, hw)
                    .isInstanceOf(OffsetOutOfRangeException.class);
            return;
        }
        ReadResult result = log.read(offset, maxBytes);
        assertThat(result.highWatermark()).as("high watermark in the read result").isEqualTo(hw);
        assertThat(result.logStartOffset()).as("log start offset in the read result").isEqualTo(logStart);
        if (offset == hw) {
            assertThat(result.isEmpty()).as("read at the high watermark %d returns nothing", hw).isTrue();
            return;
        }
        List<RecordBatch> batches = wholeBatches(result.records(), "read(" + offset + ", " + maxBytes + ")");
        assertThat(batches).as("read(%d) below the high watermark %d returns at least one batch", offset, hw)
                .isNotEmpty();
        RecordBatch first = batches.get(0);
        RecordBatch last = batches.get(batches.size() - 1);
        assertThat(first.lastOffset()).as("last offset of the first batch of read(%d)", offset)
                .isGreaterThanOrEqualTo(offset);
        assertThat(last.lastOffset()).as("last offset read by read(%d) vs high watermark", offset).isLessThan(hw);
        if (batches.size() > 1) {
            assertThat(result.records().sizeInBytes()).as("bytes of read(%d) of %d batches vs maxBytes", offset,
                    batches.size()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(model.subMap(offset, true, Math.max(offset, first.baseOffset()), false).values())
                .as("records skipped between read(%d) and the first returned batch at %d", offset, first.baseOffset())
                .isEmpty();
        assertThat(records(batches)).as("records returned by read(%d, %d)", offset, maxBytes)
                .containsExactlyElementsOf(model.subMap(first.baseOffset(), true, last.lastOffset(), true).values());
    }

    void checkTimestampLookup(long target) {
        Optional<TimestampOffset> expected = durable().stream().filter(s -> s.timestamp() >= target).findFirst()
                .map(s -> new TimestampOffset(s.timestamp(), s.offset()));
        assertThat(log.offsetForTimestamp(target)).as("offsetForTimestamp(%d)", target).isEqualTo(expected);
    }

    private void retain(Retain r) {
        Map<String, String> changes = new HashMap<>();
        changes.put(r.bytes() ? TopicConfig.RETENTION_BYTES : TopicConfig.RETENTION_MS, String.valueOf(r.value()));
        changes.put(r.bytes() ? TopicConfig.RETENTION_MS : TopicConfig.RETENTION_BYTES, null);
        manager.alterTopicConfig(TOPIC, changes);
        retentionBytes = r.bytes() ? r.value() : null;
        retentionMs = r.bytes() ? null : r.value();
        Before before = before();
        manager.runMaintenance();
        reconcile(before, false, -1);
        if (setup.policy() == Policy.DELETE) {
            checkRetentionIsComplete();
        }
    }

    private Before before() {
        List<LogSegment> maintainable = log.maintainableSegments();
        long rangeEnd = maintainable.isEmpty() ? -1 : maintainable.get(maintainable.size() - 1).nextOffset();
        return new Before(logStart, rangeEnd);
    }

    /**
     * After retention and/or compaction: the log may have dropped whole segments at its head (delete
     * policy) and records superseded within the maintainable range (compact policy), nothing else.
     * Teaches the model what was removed.
     *
     * @param surelyCompacted compactNow ran: every record superseded within the range must be gone
     * @param removedCount    what compactNow reported, or -1
     */
    private void reconcile(Before before, boolean surelyCompacted, long removedCount) {
        long now = time.milliseconds();
        long newStart = log.logStartOffset();
        List<Long> bases = log.segmentBaseOffsets();
        assertThat(newStart).as("log start offset never decreases").isGreaterThanOrEqualTo(before.logStart());
        if (!setup.policy().delete()) {
            assertThat(newStart).as("log start offset of a compact-only topic").isEqualTo(before.logStart());
        }
        assertThat(bases.get(0)).as("base of the first segment vs the log start offset (segments %s)", bases)
                .isEqualTo(newStart);
        assertThat(newStart).as("log start offset vs the active segment's base (segments %s)", bases)
                .isLessThanOrEqualTo(bases.get(bases.size() - 1));
        assertThat(newStart).as("log start offset vs the high watermark").isLessThanOrEqualTo(hw);
        assertThat(log.highWatermark()).as("maintenance does not move the high watermark").isEqualTo(hw);
        assertThat(log.logEndOffset()).as("maintenance does not move the log end").isEqualTo(leo);

        TreeMap<Long, Stored> real = new TreeMap<>();
        for (Stored s : readAll(newStart)) {
            real.put(s.offset(), s);
            assertThat(s).as("record at offset %d after maintenance vs what was appended", s.offset())
                    .isEqualTo(model.get(s.offset()));
        }
        List<Stored> removedByRetention = new ArrayList<>();
        List<Stored> removedByCompaction = new ArrayList<>();
        for (Stored m : model.subMap(before.logStart(), hw).values()) {
            if (real.containsKey(m.offset())) {
                continue;
            }
            if (m.offset() < newStart) {
                if (retentionMs != null) {
                    assertThat(m.timestamp()).as("timestamp of %s deleted by retention.ms=%d at %d", m, retentionMs,
                            now).isLessThan(now - retentionMs);
                }
                removedByRetention.add(m);
                continue;
            }
            assertThat(setup.policy().compact()).as("%s vanished from a topic that is not compacted", m).isTrue();
            assertThat(m.offset()).as("%s removed by compaction though not below the end of the maintainable "
                    + "segments %d", m, before.rangeEnd()).isLessThan(before.rangeEnd());
            Long cleanedAt = tombstoneMaybeCleanedAt.get(m.offset());
            boolean expiredTombstone = m.tombstone() && cleanedAt != null
                    && cleanedAt + setup.deleteRetentionMs() <= now;
            if (expiredTombstone && !supersededWithin(m, before.rangeEnd())) {
                expiredTombstones++;
            }
            assertThat(supersededWithin(m, before.rangeEnd()) || expiredTombstone)
                    .as("%s removed by compaction: superseded by a later record of its key, or an expired tombstone "
                            + "(first cleaned at %s)", m, cleanedAt).isTrue();
            removedByCompaction.add(m);
        }
        if (surelyCompacted && setup.policy().compact() && before.rangeEnd() > newStart) {
            for (Stored m : model.subMap(newStart, before.rangeEnd()).values()) {
                if (!real.containsKey(m.offset())) {
                    continue;
                }
                assertThat(supersededWithin(m, before.rangeEnd()))
                        .as("%s survived compactNow though a later record of its key is below %d", m,
                                before.rangeEnd()).isFalse();
                Long cleanedAt = tombstoneSurelyCleanedAt.get(m.offset());
                assertThat(m.tombstone() && cleanedAt != null && cleanedAt + setup.deleteRetentionMs() <= now)
                        .as("tombstone %s survived compactNow at %d though first cleaned at %s with "
                                + "delete.retention.ms=%d", m, now, cleanedAt, setup.deleteRetentionMs()).isFalse();
            }
        }
        if (removedCount >= 0) {
            assertThat(removedCount).as("records compactNow reports removed (%s)", removedByCompaction)
                    .isEqualTo(setup.policy().compact() ? removedByCompaction.size() : 0);
        }
        if (retentionBytes != null && setup.policy() == Policy.DELETE && newStart > before.logStart()) {
            assertThat(log.sizeInBytes()).as("bytes left after retention.bytes=%d deleted segments", retentionBytes)
                    .isGreaterThanOrEqualTo(retentionBytes);
        }

        // teach the model
        model.headMap(newStart, false).clear();
        removedByCompaction.forEach(s -> model.remove(s.offset()));
        tombstoneMaybeCleanedAt.keySet().removeIf(o -> !model.containsKey(o));
        tombstoneSurelyCleanedAt.keySet().removeIf(o -> !model.containsKey(o));
        logStart = newStart;
        retentionDeletedRecords += removedByRetention.size();
        compactedAway += removedByCompaction.size();
        if (setup.policy().compact() && before.rangeEnd() > newStart) {
            for (Stored m : model.subMap(newStart, before.rangeEnd()).values()) {
                if (m.tombstone()) {
                    tombstoneMaybeCleanedAt.putIfAbsent(m.offset(), now);
                    if (surelyCompacted) {
                        tombstoneSurelyCleanedAt.putIfAbsent(m.offset(), now);
                    }
                }
            }
        }
    }

    /** A later record of the same key exists below {@code rangeEnd}. */
    private boolean supersededWithin(Stored m, long rangeEnd) {
        if (m.key() == null) {
            return false;
        }
        return model.subMap(m.offset(), false, rangeEnd, false).values().stream()
                .anyMatch(s -> m.key().equals(s.key()));
    }

    /** Retention leaves no segment it should have deleted (delete-only topics, so compaction cannot interfere). */
    private void checkRetentionIsComplete() {
        List<LogSegment> maintainable = log.maintainableSegments();
        if (maintainable.isEmpty()) {
            return;
        }
        LogSegment oldest = maintainable.get(0);
        long now = time.milliseconds();
        if (retentionMs != null) {
            assertThat(oldest.maxTimestamp() != RecordBatch.NO_TIMESTAMP && oldest.maxTimestamp() < now - retentionMs)
                    .as("%s (largest timestamp %d) left by retention.ms=%d at %d", oldest, oldest.maxTimestamp(),
                            retentionMs, now).isFalse();
        }
        if (retentionBytes != null) {
            assertThat(log.sizeInBytes() - oldest.sizeInBytes())
                    .as("bytes left if %s were deleted, with retention.bytes=%d", oldest, retentionBytes)
                    .isLessThan(retentionBytes);
        }
    }

    private void restart(boolean clean) {
        restarts++;
        if (clean) {
            manager.close();
        } else {
            manager.abort();
        }
        open();
        assertThat(log.logStartOffset()).as("log start offset after restart").isEqualTo(logStart);
        if (clean) {
            assertThat(log.highWatermark()).as("high watermark after a clean restart (close flushes)").isEqualTo(leo);
            assertThat(log.logEndOffset()).as("log end after a clean restart").isEqualTo(leo);
        } else {
            long recovered = log.highWatermark();
            assertThat(recovered).as("high watermark after an unclean restart: at least the durable %d, at most "
                    + "the appended %d", hw, leo).isBetween(hw, leo);
            assertThat(log.logEndOffset()).as("log end after recovery equals the recovered high watermark")
                    .isEqualTo(recovered);
            model.tailMap(recovered, true).clear();
            tombstoneMaybeCleanedAt.keySet().removeIf(o -> o >= recovered);
            tombstoneSurelyCleanedAt.keySet().removeIf(o -> o >= recovered);
            leo = recovered;
        }
        hw = leo;
        unflushed = 0;
        checkEverything("after " + (clean ? "clean" : "unclean") + " restart");
    }

    void checkPositions() {
        assertThat(log.logStartOffset()).as("log start offset").isEqualTo(logStart);
        assertThat(log.highWatermark()).as("high watermark").isEqualTo(hw);
        assertThat(log.logEndOffset()).as("log end offset").isEqualTo(leo);
    }

    /** Everything durable reads back as the model has it. */
    void checkEverything(String when) {
        checkPositions();
        assertThat(readAll(logStart)).as("all durable records %s", when).containsExactlyElementsOf(durable());
    }

    private List<Stored> durable() {
        return new ArrayList<>(model.subMap(logStart, hw).values());
    }

    /** Reads [from, hw) batch by batch. */
    private List<Stored> readAll(long from) {
        List<Stored> out = new ArrayList<>();
        long next = from;
        while (next < hw) {
            ReadResult r = log.read(next, 1 << 16);
            List<RecordBatch> batches = wholeBatches(r.records(), "read(" + next + ")");
            assertThat(batches).as("read(%d) below the high watermark %d returns a batch", next, hw).isNotEmpty();
            for (Stored s : records(batches)) {
                if (s.offset() >= next) {
                    out.add(s);
                }
            }
            long after = batches.get(batches.size() - 1).lastOffset() + 1;
            assertThat(after).as("read(%d) makes progress", next).isGreaterThan(next);
            next = after;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            manager.close();
        } catch (RuntimeException e) {
            manager.abort();
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Retries: a delayed segment delete of the stopped log may still be removing files while we walk. */
    private static void deleteRecursively(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (IOException | UncheckedIOException e) {
                if (!Files.exists(dir)) {
                    return;
                }
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
