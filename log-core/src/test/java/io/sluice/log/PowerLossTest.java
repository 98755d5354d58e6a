package io.sluice.log;

import static io.sluice.log.CrashTestSupport.bytesOf;
import static io.sluice.log.CrashTestSupport.readAllBatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.log.internals.LogLoader;
import io.sluice.log.testing.PowerLossFileIO;
import io.sluice.log.testing.PowerLossFileIO.Mode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Power loss at a random moment under concurrent appends and reads, over {@link PowerLossFileIO}: after
 * recovery every acknowledged record and everything any reader saw is still there byte for byte, the log
 * holds only batches that were appended, densely, and appends continue at the recovered log end.
 *
 * <p>Topics: {@code gc} (two partitions, group commit), {@code fm} ({@code flush.messages=5}) and
 * {@code fms} ({@code flush.ms=50}), all with small segments and a dense index so that rolls, sealed
 * segments and index rebuilds are part of every run. Odd seeds first run a phase that ends with a clean
 * close, then a reopen the power interrupts, so that the crash recovery starts from a recovery point inside
 * the log. Even seeds crash twice, with a power failure in the middle of the first recovery in between.
 * The seed fixes every random choice (sizes, crash points, torn lengths); thread timing still varies.
 *
 * <p>Also pins down two bugs it found: a roll makes the new segment's file durable before the old segment's
 * tail is fsynced, so a power loss could leave a hole of offsets that recovery took for data; and a
 * recovery point at the end of a segment whose indexes were never fsynced made recovery trust their torn
 * remains (offsetForTimestamp then skipped the records after the last surviving time-index entry).
 */
class PowerLossTest {
    private static final int APPENDERS = 2;
    private static final int READERS = 2;

    @TempDir
    Path tmp;

    /** What the test knows about one partition. */
    private static final class Known {
        final String name;
        /** Batches whose append returned, by base offset, as written (offsets assigned). */
        final Map<Long, byte[]> appended = new ConcurrentHashMap<>();
        /** Batches whose append threw after the crash: they may or may not have reached the file. */
        final Map<Long, byte[]> maybe = new ConcurrentHashMap<>();
        /** Batches acknowledged durable (awaitDurable completed normally). */
        final Map<Long, byte[]> acked = new ConcurrentHashMap<>();
        /** Batches some reader was given. */
        final Map<Long, byte[]> seen = new ConcurrentHashMap<>();

        Known(String name) {
            this.name = name;
        }

        /** After a recovery on the lossy disk: what was recovered is now durable, and all that is known. */
        void recovered(Map<Long, byte[]> batches) {
            appended.clear();
            appended.putAll(batches);
            maybe.clear();
            acked.clear();
            acked.putAll(batches);
        }
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            runs.add(Arguments.of(Mode.STRICT, seed));
        }
        for (long seed = 4; seed <= 6; seed++) {
            runs.add(Arguments.of(Mode.TORN_TAIL, seed));
        }
        for (long seed = 7; seed <= 8; seed++) {
            runs.add(Arguments.of(Mode.ZEROED_TAIL, seed));
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    void acknowledgedAndReadRecordsSurvivePowerLoss(Mode mode, long seed) throws Exception {
        Random random = new Random(mix(seed));
        Path data = tmp.resolve("data");
        List<String[]> partitions = List.of(new String[] {"gc", "0"}, new String[] {"gc", "1"},
                new String[] {"fm", "0"}, new String[] {"fms", "0"});
        List<Known> known = new ArrayList<>();
        for (String[] tp : partitions) {
            known.add(new Known(tp[0] + "-" + tp[1]));
        }
        AtomicLong clock = new AtomicLong(1_000_000);
        String run = mode + " seed " + seed;

        // given a log on a disk that loses whatever is not fsynced
        PowerLossFileIO io = new PowerLossFileIO(data, mode, mix(seed * 1009));
        LogManager manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        Map<String, String> small = Map.of(TopicConfig.SEGMENT_BYTES, "8192",
                TopicConfig.INDEX_INTERVAL_BYTES, "512", TopicConfig.SEGMENT_INDEX_BYTES, "4096");
        manager.createTopic("gc", 2, small);
        manager.createTopic("fm", 1, with(small, TopicConfig.FLUSH_MESSAGES, "5"));
        manager.createTopic("fms", 1, with(small, TopicConfig.FLUSH_MS, "50"));
        if (seed % 2 == 1) {
            // a first life that ends with a clean close (all of it durable), and a reopen the power interrupts
            fillAndClose(manager, partitions, known, new Random(mix(seed * 7919)), clock);
            interruptedOpen(data, mode, random);
            io = new PowerLossFileIO(data, mode, mix(seed * 1013));
            manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        }
        // when appenders and readers run and the power fails at a random moment
        runUntilPowerLoss(manager, io, partitions, known, random, clock, run);
        if (seed % 2 == 0) {
            // and again, once the power has also failed in the middle of the recovery of that crash
            interruptedOpen(data, mode, random);
            io = new PowerLossFileIO(data, mode, mix(seed * 1019));
            manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
            for (int i = 0; i < partitions.size(); i++) {
                PartitionLog p = partition(manager, partitions.get(i));
                verify(p, known.get(i), random);
                known.get(i).recovered(readAllBatches(p)); // recovered on this lossy disk: all of it is durable now
            }
            runUntilPowerLoss(manager, io, partitions, known, random, clock, run + ", second crash");
        }

        // then a log opened on what the disk kept holds everything that was acknowledged or read
        LogManager recovered = LogManager.open(LogManagerConfig.defaults(data));
        try {
            for (int i = 0; i < partitions.size(); i++) {
                PartitionLog p = partition(recovered, partitions.get(i));
                verify(p, known.get(i), random);
                // and appends continue at the recovered log end
                long end = p.logEndOffset();
                MemoryRecords more = randomBatch(random, clock);
                AppendResult res = p.append(more);
                assertThat(res.firstOffset()).as("%s: first offset appended after recovery", p).isEqualTo(end);
                p.flush();
                assertThat(readAllBatches(p).get(end)).as("%s: batch appended after recovery", p)
                        .isEqualTo(bytesOf(more));
            }
        } finally {
            recovered.close();
        }
    }

    @Test
    void powerLossAfterARollOfAnUnsyncedSegmentLeavesNoGapInOffsets() throws Exception {
        // given a segment whose tail was never fsynced when the log rolled past it
        Path data = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(data);
        LogManager manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        manager.createTopic("t", 1, Map.of(TopicConfig.FLUSH_MS, "3600000"));
        PartitionLog p = manager.partition("t", 0);
        for (int i = 0; i < 5; i++) {
            p.append(Batches.of(1000 + i, "durable-" + i));
        }
        assertThat(p.flush()).isEqualTo(5);
        for (int i = 5; i < 10; i++) {
            p.append(Batches.of(1000 + i, "lost-" + i));
        }
        p.roll(); // the new segment's file is made durable (directory fsync); offsets 5-9 are not
        for (int i = 10; i < 13; i++) {
            p.append(Batches.of(1000 + i, "lost-" + i));
        }
        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 10L);

        // when the power fails and the log is opened again
        io.crash();
        manager.abort();
        ListAppender<ILoggingEvent> logged = CrashTestSupport.capture(LogLoader.class);
        LogManager recovered = LogManager.open(LogManagerConfig.defaults(data));
        CrashTestSupport.stopCapture(LogLoader.class, logged);
        try {
            // then the log ends where the durable data ends, with no hole before the next append
            PartitionLog q = recovered.partition("t", 0);
            assertThat(q.logEndOffset()).as("log end offset after recovery").isEqualTo(5);
            assertThat(q.highWatermark()).as("high watermark after recovery").isEqualTo(5);
            assertThat(q.segmentBaseOffsets()).as("segments after recovery").containsExactly(0L);
            assertThat(CrashTestSupport.readAllRecords(q)).extracting(CrashTestSupport.Rec::value)
                    .containsExactly("durable-0", "durable-1", "durable-2", "durable-3", "durable-4");
            assertThat(q.read(5, 1000).isEmpty()).as("read at the recovered log end").isTrue();
            assertThat(q.append(Batches.of(2000, "next")).firstOffset()).as("offset of the next append").isEqualTo(5);
            assertThat(CrashTestSupport.messages(logged))
                    .anyMatch(m -> m.startsWith("WARN")
                            && m.contains("ends at offset 5 but the next segment starts at offset 10"));
        } finally {
            recovered.close();
        }
    }

    /**
     * The high watermark (and so the recovery checkpoint) reaches the end of the active segment, whose
     * indexes are not fsynced, before a roll starts the next segment at that offset. Recovery must not
     * treat that segment as lying wholly below the recovery point: its time index may be a stale (here: the
     * one of the last clean close) or torn one without the closing entry, that still passes the load checks.
     */
    @Test
    void segmentThatEndsAtTheRecoveryPointIsRecoveredWhenItsIndexesWereNotSynced() throws Exception {
        // given a segment that was sealed and made durable by a clean close (time index ending at t0 + 4)
        long t0 = System.currentTimeMillis(); // recent: the reopened segment must not roll by age
        Path data = tmp.resolve("data");
        Map<String, String> config = Map.of(TopicConfig.FLUSH_MS, "3600000", TopicConfig.INDEX_INTERVAL_BYTES, "1");
        LogManager manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(new PowerLossFileIO(data)));
        manager.createTopic("t", 1, config);
        for (int i = 0; i < 5; i++) {
            manager.partition("t", 0).append(Batches.of(t0 + i, "first-" + i));
        }
        manager.close();
        // that is active again and grows (its index entries up to t0 + 104 are written, never fsynced)
        PowerLossFileIO io = new PowerLossFileIO(data);
        manager = LogManager.open(LogManagerConfig.defaults(data).withFileIO(io));
        PartitionLog p = manager.partition("t", 0);
        for (int i = 0; i < 5; i++) {
            p.append(Batches.of(t0 + 100 + i, "second-" + i));
        }
        // whose data is fsynced up to its end, which the recovery checkpoint records
        assertThat(p.flush()).isEqualTo(10);
        manager.writeRecoveryCheckpoint();
        // and which a roll seals (its closing time-index entry is not fsynced before the power fails)
        p.roll();
        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 10L);

        // when the power fails and the log is opened again
        io.crash();
        manager.abort();
        LogManager recovered = LogManager.open(LogManagerConfig.defaults(data));
        try {
            // then the segment's indexes describe all of its data: lookups by time find the later records
            PartitionLog q = recovered.partition("t", 0);
            assertThat(q.logEndOffset()).isEqualTo(10);
            assertThat(q.segmentBaseOffsets()).containsExactly(0L, 10L);
            assertThat(q.offsetForTimestamp(t0 + 3).map(TimestampOffset::offset)).hasValue(3L);
            assertThat(q.offsetForTimestamp(t0 + 50).map(TimestampOffset::offset)).hasValue(5L);
            assertThat(q.offsetForTimestamp(t0 + 102).map(TimestampOffset::offset)).hasValue(7L);
            assertThat(q.offsetForTimestamp(t0 + 104).map(TimestampOffset::offset)).hasValue(9L);
            assertThat(q.offsetForTimestamp(t0 + 105)).isEmpty();
            assertThat(q.maxTimestamp()).hasValue(t0 + 104);
        } finally {
            recovered.close();
        }
    }

    /** Appends single-threaded, all acknowledged by a clean close. */
    private static void fillAndClose(LogManager manager, List<String[]> partitions, List<Known> known, Random r,
                                     AtomicLong clock) {
        for (int i = 0; i < 60; i++) {
            int which = r.nextInt(partitions.size());
            MemoryRecords batch = randomBatch(r, clock);
            AppendResult res = partition(manager, partitions.get(which)).append(batch);
            byte[] bytes = bytesOf(batch);
            known.get(which).appended.put(res.firstOffset(), bytes);
            known.get(which).acked.put(res.firstOffset(), bytes);
        }
        manager.close();
    }

    /** Opens the log on a lossy disk whose power fails at a random step of the opening (recovery included). */
    private static void interruptedOpen(Path data, Mode mode, Random random) throws IOException {
        PowerLossFileIO io = new PowerLossFileIO(data, mode, random.nextLong());
        io.crashAfterMutations(random.nextInt(400)); // a whole open takes a few hundred
        try {
            LogManager.open(LogManagerConfig.defaults(data).withFileIO(io)).abort();
        } catch (RuntimeException e) {
            assertThat(io.crashed()).as("opening failed only because the power failed: %s", e).isTrue();
        }
        io.crash();
    }

    private static void runUntilPowerLoss(LogManager manager, PowerLossFileIO io, List<String[]> partitions,
                                          List<Known> known, Random random, AtomicLong clock, String run)
            throws InterruptedException, IOException {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger appends = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < APPENDERS; t++) {
            Random r = new Random(random.nextLong());
            threads.add(new Thread(() -> append(manager, partitions, known, r, clock, io, appends, errors),
                    "appender-" + t));
        }
        for (int t = 0; t < READERS; t++) {
            Random r = new Random(random.nextLong());
            threads.add(new Thread(() -> read(manager, partitions, known, r, io, errors), "reader-" + t));
        }
        threads.forEach(Thread::start);
        int crashAfter = 40 + random.nextInt(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (appends.get() < crashAfter && errors.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        io.crash();
        manager.abort();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(t.isAlive()).as("%s: %s still running after the crash", run, t.getName()).isFalse();
        }
        assertThat(errors).as("%s: errors before the crash", run).isEmpty();
        assertThat(appends.get()).as("%s: appends before the crash", run).isGreaterThanOrEqualTo(crashAfter);
    }

    private static void verify(PartitionLog p, Known k, Random random) {
        long end = p.logEndOffset();
        assertThat(p.highWatermark()).as("%s: high watermark after recovery (everything kept is fsynced)", k.name)
                .isEqualTo(end);
        TreeMap<Long, byte[]> batches = readAllBatches(p);
        long next = p.logStartOffset();
        for (Map.Entry<Long, byte[]> e : batches.entrySet()) {
            long base = e.getKey();
            assertThat(base).as("%s: batch after offset %d (offsets must be dense)", k.name, next - 1).isEqualTo(next);
            byte[] expected = k.appended.containsKey(base) ? k.appended.get(base) : k.maybe.get(base);
            assertThat(expected).as("%s: recovered batch at offset %d was never appended", k.name, base).isNotNull();
            assertThat(e.getValue()).as("%s: recovered batch at offset %d differs from the one appended", k.name, base)
                    .isEqualTo(expected);
            next = lastOffset(e.getValue()) + 1;
        }
        assertThat(next).as("%s: log end offset after the last recovered batch", k.name).isEqualTo(end);
        k.acked.forEach((base, bytes) -> {
            assertThat(batches).as("%s: acknowledged batch at offset %d lost (log end %d)", k.name, base, end)
                    .containsKey(base);
            assertThat(batches.get(base)).as("%s: acknowledged batch at offset %d changed", k.name, base)
                    .isEqualTo(bytes);
        });
        k.seen.forEach((base, bytes) -> {
            assertThat(batches).as("%s: batch at offset %d that a reader saw was lost (log end %d)", k.name, base, end)
                    .containsKey(base);
            assertThat(batches.get(base)).as("%s: batch at offset %d differs from what a reader saw", k.name, base)
                    .isEqualTo(bytes);
        });
        // the rebuilt time index answers as a scan of the records does
        List<long[]> stamps = new ArrayList<>();
        for (byte[] b : batches.values()) {
            for (RecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(b)).batches()) {
                for (Record r : batch) {
                    stamps.add(new long[] {r.timestamp(), r.offset()});
                }
            }
        }
        for (int i = 0; i < 20 && !stamps.isEmpty(); i++) {
            long target = stamps.get(random.nextInt(stamps.size()))[0] + random.nextInt(3) - 1;
            Optional<Long> expected = stamps.stream().filter(s -> s[0] >= target).map(s -> s[1]).findFirst();
            assertThat(p.offsetForTimestamp(target).map(TimestampOffset::offset))
                    .as("%s: offsetForTimestamp(%d)", k.name, target).isEqualTo(expected);
        }
    }

    // ------------------------------------------------------------------ workers

    private static void append(LogManager manager, List<String[]> partitions, List<Known> known, Random r,
                               AtomicLong clock, PowerLossFileIO io, AtomicInteger appends,
                               ConcurrentLinkedQueue<Throwable> errors) {
        while (!io.crashed()) {
            int which = r.nextInt(partitions.size());
            String topic = partitions.get(which)[0];
            Known k = known.get(which);
            MemoryRecords batch = randomBatch(r, clock);
            try {
                PartitionLog p = partition(manager, partitions.get(which));
                AppendResult res = p.append(batch);
                byte[] bytes = bytesOf(batch);
                k.appended.put(res.firstOffset(), bytes);
                appends.incrementAndGet();
                int dice = r.nextInt(16);
                boolean join = topic.equals("gc") ? dice < 4 : topic.equals("fms") && dice == 0;
                if (join) {
                    p.awaitDurable(res.lastOffset()).join();
                    k.acked.put(res.firstOffset(), bytes);
                } else if (dice < 10) {
                    p.awaitDurable(res.lastOffset()).thenRun(() -> k.acked.put(res.firstOffset(), bytes));
                }
            } catch (Throwable t) {
                if (!io.crashed()) {
                    errors.add(new AssertionError(k.name + ": append failed before the crash", t));
                    return;
                }
                byte[] bytes = bytesOf(batch); // offsets may have been assigned and the batch written
                k.maybe.put(firstBaseOffset(bytes), bytes);
            }
        }
    }

    private static void read(LogManager manager, List<String[]> partitions, List<Known> known, Random r,
                             PowerLossFileIO io, ConcurrentLinkedQueue<Throwable> errors) {
        long[] next = new long[partitions.size()];
        while (!io.crashed()) {
            int which = r.nextInt(partitions.size());
            Known k = known.get(which);
            try {
                PartitionLog p = partition(manager, partitions.get(which));
                if (r.nextInt(10) == 0) {
                    next[which] = next[which] == 0 ? 0 : r.nextLong(next[which]); // read some again
                }
                ReadResult rr = p.read(next[which], 1 + r.nextInt(20_000));
                for (RecordBatch b : rr.records().batches()) {
                    if (b.lastOffset() >= rr.highWatermark()) {
                        errors.add(new AssertionError(k.name + ": read returned offsets up to " + b.lastOffset()
                                + " past the high watermark " + rr.highWatermark()));
                        return;
                    }
                    byte[] bytes = bytesOf(b);
                    byte[] before = k.seen.putIfAbsent(b.baseOffset(), bytes);
                    if (before != null && !Arrays.equals(before, bytes)) {
                        errors.add(new AssertionError(k.name + ": batch at offset " + b.baseOffset()
                                + " read twice with different bytes"));
                        return;
                    }
                    byte[] appended = k.appended.get(b.baseOffset());
                    if (appended != null && !Arrays.equals(appended, bytes)) {
                        errors.add(new AssertionError(k.name + ": batch read at offset " + b.baseOffset()
                                + " differs from the one appended"));
                        return;
                    }
                    next[which] = b.nextOffset();
                }
            } catch (Throwable t) {
                if (!io.crashed()) {
                    errors.add(new AssertionError(k.name + ": read failed before the crash", t));
                }
                return;
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static PartitionLog partition(LogManager m, String[] tp) {
        return m.partition(tp[0], Integer.parseInt(tp[1]));
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    /** 1-4 records of 0-300 bytes (sometimes up to 4000), keyed or not, sometimes gzip-compressed. */
    private static MemoryRecords randomBatch(Random r, AtomicLong clock) {
        int n = 1 + r.nextInt(4);
        SimpleRecord[] records = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            byte[] value = new byte[r.nextInt(r.nextInt(8) == 0 ? 4000 : 300)];
            r.nextBytes(value);
            byte[] key = r.nextBoolean() ? null : ("key-" + r.nextInt(50)).getBytes();
            records[i] = new SimpleRecord(clock.incrementAndGet(), key, value);
        }
        Compression c = r.nextInt(5) == 0 ? Compression.gzip().build() : Compression.NONE;
        return MemoryRecords.withRecords(c, records);
    }

    /** Spreads consecutive seeds apart (java.util.Random's first outputs for nearby seeds are alike). */
    private static long mix(long seed) {
        long z = seed * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    private static long firstBaseOffset(byte[] batch) {
        return ByteBuffer.wrap(batch).getLong(0);
    }

    private static long lastOffset(byte[] batch) {
        long last = -1;
        for (MutableRecordBatch b : MemoryRecords.readableRecords(ByteBuffer.wrap(batch)).batches()) {
            last = b.lastOffset();
        }
        if (last < 0) {
            fail("no batch in " + batch.length + " bytes");
        }
        return last;
    }
}
