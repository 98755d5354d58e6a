package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * Runs random sequences of operations against a real {@link PartitionLog} (through {@link LogManager},
 * in a fresh directory per try) and against a plain in-memory model of the log, and checks after every
 * step that the two agree: offsets, high watermark, log start, the contents of reads, time lookups, and
 * what retention, compaction and restarts (clean and unclean) may and must change.
 *
 * <p>The topic flushes only when told to ({@code flush.ms} is far in the future; some tries set
 * {@code flush.messages}), so the high watermark is deterministic: it moves on {@code flush()}, when
 * {@code flush.messages} is reached, on a clean close and on recovery only. Examples at the top are
 * regressions the properties found.
 */
class PartitionLogPropertyTest {
    private static final String TOPIC = "t";
    /** {@code flush.ms}: far enough that the background flusher never fires during a try. */
    private static final String NEVER_MS = "1000000000000";

    // ------------------------------------------------------------------ properties

    @Property(tries = 50)
    void deletePolicyLogAgreesWithModel(@ForAll("deleteSetups") Setup setup,
                                        @ForAll("deleteOps") List<Op> ops) throws IOException {
        run(setup, ops);
    }

    @Property(tries = 50)
    void compactedLogAgreesWithModel(@ForAll("compactSetups") Setup setup,
                                     @ForAll("compactOps") List<Op> ops) throws IOException {
        run(setup, ops);
    }

    private static void run(Setup setup, List<Op> ops) throws IOException {
        try (Harness h = new Harness(setup)) {
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                try {
                    h.apply(op);
                    h.checkPositions();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("step " + (i + 1) + " of " + ops.size() + " (" + op + ") failed with "
                            + setup + "; " + h.describe() + ":\n" + e.getMessage(), e);
                }
            }
            h.checkEverything("at the end");
            Statistics.label("policy").collect(setup.policy());
            Statistics.label("segments at the end").collect(bucket(h.log.segmentCount()));
            Statistics.label("restarts").collect(h.restarts > 0 ? "some" : "none");
            Statistics.label("segments deleted by retention").collect(h.retentionDeletedRecords > 0 ? "some" : "none");
            Statistics.label("records removed by compaction").collect(h.compactedAway > 0 ? "some" : "none");
            if (setup.policy().compact()) {
                Statistics.label("expired tombstones removed").collect(h.expiredTombstones > 0 ? "some" : "none");
            }
        }
    }

    // ------------------------------------------------------------------ regressions found by the properties

    /** segment.index.bytes=48: 6 offset-index entries, 4 time-index entries (the last kept for the closing one). */
    private static Setup tinyIndexes(Policy policy) {
        return new Setup(policy, 2000, 0, 48, 60_000, 10_000, new Timing(0, 0, false));
    }

    /** {@code count} single-record batches, keys {@code firstKey..}, timestamps rising by 1 s from the clock. */
    private static Append risingBatches(int count, int firstKey, boolean flush) {
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batches.add(new Batch(List.of(new Rec(firstKey + i, 10, 1000 * i)), false));
        }
        return new Append(batches, flush);
    }

    @Example
    void multiBatchAppendBeyondTheIndexLimitIsIndexedSparselyAndRollsNext() throws IOException {
        try (Harness h = new Harness(tinyIndexes(Policy.DELETE))) {
            // given a segment whose indexes hold 6 / 4 entries, when one append carries 10 batches
            h.apply(risingBatches(10, 0, true));
            // then it is accepted whole into the one segment, and every offset reads back
            assertThat(h.log.segmentCount()).as("segments after the 10-batch append").isEqualTo(1);
            for (long o = 0; o < 10; o++) {
                h.checkRead(o, 1);
            }
            // and the next append rolls, since the indexes are full
            h.apply(risingBatches(1, 10, true));
            assertThat(h.log.segmentBaseOffsets()).as("segments after the next append").containsExactly(0L, 10L);
            h.checkEverything("after the roll");
        }
    }

    @Example
    void segmentSealedWithAFullTimeIndexKeepsItsLargestTimestampAcrossRestart() throws IOException {
        try (Harness h = new Harness(tinyIndexes(Policy.DELETE))) {
            // given one append whose later batches carry timestamps larger than any the time index has room for
            h.apply(risingBatches(6, 0, true));
            // when the segment is sealed and the log restarts cleanly (the time index is then the segment's max)
            h.apply(new Roll());
            h.apply(new Restart(true));
            // then the largest timestamp is still found in the sealed segment
            h.checkTimestampLookup(h.time.milliseconds() + 5000);
            h.checkTimestampLookup(h.time.milliseconds() + 4999);
            h.checkEverything("after the restart");
        }
    }

    @Example
    void compactionMergingSegmentsWithFullIndexesSucceeds() throws IOException {
        try (Harness h = new Harness(tinyIndexes(Policy.COMPACT))) {
            // given several small segments, each rolled because its indexes filled up
            for (int i = 0; i < 16; i++) {
                h.apply(risingBatches(1, i, true));
            }
            h.apply(risingBatches(1, 0, true)); // supersedes key 0
            h.apply(new Roll());
            h.apply(risingBatches(1, 100, true));
            assertThat(h.log.segmentCount()).as("segments before compaction").isGreaterThan(3);
            // when compaction merges them into one cleaned segment (more batches than its index holds)
            h.apply(new Compact());
            // then it succeeds (reconcile checked what was removed) and everything survives restarts
            assertThat(h.compactedAway).as("records removed by compaction").isEqualTo(1);
            h.apply(new Restart(false));
            h.apply(new Restart(true));
        }
    }

    private static String bucket(int n) {
        return n <= 1 ? "1" : n <= 5 ? "2-5" : n <= 20 ? "6-20" : ">20";
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Setup> deleteSetups() {
        return setups(Arbitraries.just(Policy.DELETE));
    }

    @Provide
    Arbitrary<Setup> compactSetups() {
        return setups(Arbitraries.of(Policy.COMPACT, Policy.COMPACT_DELETE));
    }

    private static Arbitrary<Setup> setups(Arbitrary<Policy> policies) {
        Arbitrary<Integer> segmentBytes = Arbitraries.integers().between(300, 2000);
        Arbitrary<Integer> indexInterval = Arbitraries.integers().between(0, 300);
        // 0 = the default segment.index.bytes; small values make indexes fill up and force rolls
        Arbitrary<Integer> indexBytes = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(48, 240)));
        Arbitrary<Long> deleteDelay = Arbitraries.of(60_000L, 0L);
        Arbitrary<Long> deleteRetention = Arbitraries.longs().between(1_000, 100_000);
        // 0 = the default segment.ms (7 days: never reached by a try)
        Arbitrary<Long> segmentMs = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.longs().between(20_000, 400_000)));
        // 0 = flush.messages unset (explicit flushes only)
        Arbitrary<Integer> flushMessages = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 30)));
        Arbitrary<Boolean> logAppendTime = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Timing> timing = Combinators.combine(segmentMs, flushMessages, logAppendTime).as(Timing::new);
        return Combinators.combine(policies, segmentBytes, indexInterval, indexBytes, deleteDelay, deleteRetention, timing)
                .as(Setup::new);
    }

    @Provide
    Arbitrary<List<Op>> deleteOps() {
        return ops(false);
    }

    @Provide
    Arbitrary<List<Op>> compactOps() {
        return ops(true);
    }

    private static Arbitrary<List<Op>> ops(boolean compacted) {
        Arbitrary<Integer> keys = compacted
                ? Arbitraries.integers().between(0, 7)
                : Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(-1)), Tuple.of(1, Arbitraries.integers().between(0, 5)));
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.integers().between(0, 120)),
                Tuple.of(1, Arbitraries.just(-1)));
        Arbitrary<Integer> tsDeltas = Arbitraries.integers().between(-100_000, 100_000);
        Arbitrary<Rec> rec = Combinators.combine(keys, sizes, tsDeltas).as(Rec::new);
        Arbitrary<Boolean> gzip = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true)));
        Arbitrary<Batch> batch = Combinators.combine(rec.list().ofMinSize(1).ofMaxSize(8), gzip).as(Batch::new);
        Arbitrary<List<Batch>> batches = Arbitraries.frequencyOf(
                Tuple.of(5, batch.list().ofSize(1)),
                Tuple.of(1, batch.list().ofMinSize(2).ofMaxSize(3)));
        Arbitrary<Op> append = Combinators.combine(batches, Arbitraries.of(false, true)).as(Append::new);
        Arbitrary<Op> read = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Where.BELOW_START)),
                        Tuple.of(6, Arbitraries.just(Where.IN_RANGE)), Tuple.of(1, Arbitraries.just(Where.AT_HW)),
                        Tuple.of(1, Arbitraries.just(Where.ABOVE_HW))),
                Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(1, 3000)).as(Read::new);
        Arbitrary<Op> timeOfRecord = Combinators.combine(Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(-1, 1)).as(TimeOfRecord::new);
        Arbitrary<Op> timeNearNow = Arbitraries.integers().between(-150_000, 150_000).map(TimeNearNow::new);
        Arbitrary<Op> tick = Arbitraries.longs().between(1, 200_000).map(Tick::new);
        Arbitrary<Op> retainBytes = Arbitraries.longs().between(0, 6000).map(v -> new Retain(true, v));
        Arbitrary<Op> retainMs = Arbitraries.longs().between(0, 200_000).map(v -> new Retain(false, v));
        return Arbitraries.frequencyOf(
                Tuple.of(30, append),
                Tuple.of(8, Arbitraries.just(new Flush())),
                Tuple.of(16, read),
                Tuple.of(5, timeOfRecord),
                Tuple.of(3, timeNearNow),
                Tuple.of(5, Arbitraries.just(new Roll())),
                Tuple.of(4, tick),
                Tuple.of(3, retainBytes),
                Tuple.of(3, retainMs),
                Tuple.of(compacted ? 7 : 1, Arbitraries.just(new Compact())),
                Tuple.of(3, Arbitraries.of(new Restart(true), new Restart(false))))
                .list().ofMinSize(5).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    }

    // ------------------------------------------------------------------ operations (toString is the shrink output)

    enum Policy {
        DELETE("delete"), COMPACT("compact"), COMPACT_DELETE("compact,delete");

        final String config;

        Policy(String config) {
            this.config = config;
        }

        boolean compact() {
            return this != DELETE;
        }

        boolean delete() {
            return this != COMPACT;
        }
    }

    /**
     * Time and flush settings: {@code segmentMs} 0 means the default, {@code flushMessages} 0 means unset;
     * {@code logAppendTime} sets message.timestamp.type=LogAppendTime.
     */
    record Timing(long segmentMs, int flushMessages, boolean logAppendTime) {
        @Override
        public String toString() {
            return (segmentMs > 0 ? ", segment.ms=" + segmentMs : "") + (flushMessages > 0 ? ", flush.messages="
                    + flushMessages : "") + (logAppendTime ? ", message.timestamp.type=LogAppendTime" : "");
        }
    }

    /** Topic settings of one try; {@code segmentIndexBytes} 0 means the default. */
    record Setup(Policy policy, int segmentBytes, int indexIntervalBytes, int segmentIndexBytes, long fileDeleteDelayMs,
                 long deleteRetentionMs, Timing timing) {
        Map<String, String> overrides() {
            Map<String, String> o = new HashMap<>();
            o.put(TopicConfig.CLEANUP_POLICY, policy.config);
            o.put(TopicConfig.SEGMENT_BYTES, String.valueOf(segmentBytes));
            o.put(TopicConfig.INDEX_INTERVAL_BYTES, String.valueOf(indexIntervalBytes));
            if (segmentIndexBytes > 0) {
                o.put(TopicConfig.SEGMENT_INDEX_BYTES, String.valueOf(segmentIndexBytes));
            }
            o.put(TopicConfig.FILE_DELETE_DELAY_MS, String.valueOf(fileDeleteDelayMs));
            o.put(TopicConfig.DELETE_RETENTION_MS, String.valueOf(deleteRetentionMs));
            o.put(TopicConfig.FLUSH_MS, NEVER_MS);
            if (timing.segmentMs() > 0) {
                o.put(TopicConfig.SEGMENT_MS, String.valueOf(timing.segmentMs()));
            }
            if (timing.flushMessages() > 0) {
                o.put(TopicConfig.FLUSH_MESSAGES, String.valueOf(timing.flushMessages()));
            }
            if (timing.logAppendTime()) {
                o.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
            }
            return o;
        }

        @Override
        public String toString() {
            return "Setup(" + policy.config + ", segment.bytes=" + segmentBytes + ", index.interval.bytes="
                    + indexIntervalBytes + ", segment.index.bytes=" + (segmentIndexBytes > 0 ? segmentIndexBytes : "default")
                    + ", file.delete.delay.ms=" + fileDeleteDelayMs + ", delete.retention.ms=" + deleteRetentionMs + timing
                    + ")";
        }
    }

    /** A record to append: key index (-1: no key), value size (-1: null value), timestamp relative to the clock. */
    record Rec(int key, int valueSize, int tsDelta) {
        @Override
        public String toString() {
            return (key < 0 ? "" : "k" + key + "=") + (valueSize < 0 ? "null" : valueSize + "B") + "@" + signed(tsDelta);
        }
    }

    record Batch(List<Rec> records, boolean gzip) {
        @Override
        public String toString() {
            return records.stream().map(Rec::toString).collect(Collectors.joining(" ", "[", "]")) + (gzip ? "gz" : "");
        }
    }

    sealed interface Op permits Append, Flush, Read, TimeOfRecord, TimeNearNow, Roll, Tick, Retain, Compact, Restart {
    }

    record Append(List<Batch> batches, boolean flush) implements Op {
        @Override
        public String toString() {
            return "append" + batches.stream().map(Batch::toString).collect(Collectors.joining("")) + (flush ? "+flush" : "");
        }
    }

    record Flush() implements Op {
        @Override
        public String toString() {
            return "flush";
        }
    }

    enum Where { BELOW_START, IN_RANGE, AT_HW, ABOVE_HW }

    record Read(Where where, int pick, int maxBytes) implements Op {
        @Override
        public String toString() {
            return "read(" + where + (where == Where.AT_HW ? "" : "#" + pick) + ", maxBytes=" + maxBytes + ")";
        }
    }

    /** offsetForTimestamp(timestamp of the pick-th durable record + delta). */
    record TimeOfRecord(int pick, int delta) implements Op {
        @Override
        public String toString() {
            return "offsetForTimestamp(ts of durable record #" + pick + signed(delta) + ")";
        }
    }

    /** offsetForTimestamp(now + delta). */
    record TimeNearNow(int delta) implements Op {
        @Override
        public String toString() {
            return "offsetForTimestamp(now" + signed(delta) + ")";
        }
    }

    record Roll() implements Op {
        @Override
        public String toString() {
            return "roll";
        }
    }

    record Tick(long ms) implements Op {
        @Override
        public String toString() {
            return "clock+" + ms + "ms";
        }
    }

    /** Sets retention.bytes (or retention.ms), restores the other to its default, and runs maintenance. */
    record Retain(boolean bytes, long value) implements Op {
        @Override
        public String toString() {
            return (bytes ? "retention.bytes=" : "retention.ms=") + value + "+runMaintenance";
        }
    }

    record Compact() implements Op {
        @Override
        public String toString() {
            return "compactNow";
        }
    }

    record Restart(boolean clean) implements Op {
        @Override
        public String toString() {
            return clean ? "restart(clean)" : "restart(abort)";
        }
    }

    private static String signed(long v) {
        return v < 0 ? String.valueOf(v) : "+" + v;
    }

    // ------------------------------------------------------------------ the model and the real log side by side

    /** One record as the model knows it; key and value are null when absent. */
    record Stored(long offset, long timestamp, String key, String value) {
        boolean tombstone() {
            return key != null && value == null;
        }

        @Override
        public String toString() {
            return offset + ":" + (key == null ? "" : key + "=") + (value == null ? "null" : value.length() > 12
                    ? value.substring(0, 12) + "..(" + value.length() + "B)" : value) + "@" + timestamp;
        }
    }

    /** State of the log before a maintenance operation. */
    record Before(long logStart, long rangeEnd) {
    }

    static final class Harness implements AutoCloseable {
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

        Harness(Setup setup) throws IOException {
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

        private static List<RecordBatch> wholeBatches(Records records, String what) {
            List<RecordBatch> out = new ArrayList<>();
            int bytes = 0;
            long lastOffset = -1;
            for (RecordBatch b : records.batches()) {
                assertThat(b.isValid()).as("CRC of the batch at offsets [%d, %d] returned by %s", b.baseOffset(),
                        b.lastOffset(), what).isTrue();
                assertThat(b.baseOffset()).as("batches of %s in offset order", what).isGreaterThan(lastOffset);
                lastOffset = b.lastOffset();
                bytes += b.sizeInBytes();
                out.add(b);
            }
            assertThat(bytes).as("bytes of whole batches vs bytes returned by %s", what).isEqualTo(records.sizeInBytes());
            return out;
        }

        private static List<Stored> records(List<RecordBatch> batches) {
            List<Stored> out = new ArrayList<>();
            for (RecordBatch b : batches) {
                for (Record r : b) {
                    out.add(new Stored(r.offset(), r.timestamp(), r.hasKey() ? string(r.key()) : null,
                            r.hasValue() ? string(r.value()) : null));
                }
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
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
