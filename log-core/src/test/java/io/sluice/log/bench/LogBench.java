package io.sluice.log.bench;

import io.sluice.log.AppendResult;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.TopicConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.TimestampType;

/**
 * The log-core storage benchmark: a plain {@code main} (not JMH, not a test; surefire ignores it) that
 * measures, in one process, on one disk, with the same bytes:
 *
 * <ul>
 *   <li>the physical limits: a raw {@link FileChannel} sequential write of the batches in 16 KiB writes,
 *       without fsync, with {@code force(true)} after every write, and with {@code force(true)} from a
 *       second thread at most every 2 ms while the writer keeps writing (the group-commit pattern);</li>
 *   <li>{@link PartitionLog#append} of 100-byte records in ~16 KiB batches under each durability policy
 *       (fsync off, group commit with 1 and with N partitions and appenders, flush.ms=1000,
 *       flush.messages=1), with append-return-to-durable latency percentiles;</li>
 *   <li>sequential reads through {@link PartitionLog#read} against a raw read of the same segment file.</li>
 * </ul>
 *
 * Every case gets warm-up runs (untimed) and then measured runs; the rounds are interleaved (each round
 * runs every case once) so that drift on a shared machine spreads over all cases. Run it with
 * {@code bench/log-core.sh --help}.
 */
public final class LogBench {
    private static final int READ_MAX_BYTES = 1 << 20;
    private static final double MB = 1_000_000.0;

    // ------------------------------------------------------------------ options

    static final class Options {
        Path dir = Path.of("target", "log-bench");
        long bytes = 256L << 20;
        long fsyncEachBytes = 64L << 20;
        int runs = 5;
        int warmups = 1;
        int batchBytes = 16 * 1024;
        int recordBytes = 100;
        int threads = 4;
        long poolBytes = 16L << 20;
        long window = 4L << 20;
        int flusherThreads = LogManagerConfig.defaults(Path.of(".")).flusherThreads();
        boolean direct;
        boolean dropCaches;
        Set<String> only;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--dir" -> { o.dir = Path.of(need(a, v)); i++; }
                    case "--bytes" -> { o.bytes = size(need(a, v)); i++; }
                    case "--fsync-each-bytes" -> { o.fsyncEachBytes = size(need(a, v)); i++; }
                    case "--runs" -> { o.runs = Integer.parseInt(need(a, v)); i++; }
                    case "--warmups" -> { o.warmups = Integer.parseInt(need(a, v)); i++; }
                    case "--batch-bytes" -> { o.batchBytes = (int) size(need(a, v)); i++; }
                    case "--record-bytes" -> { o.recordBytes = (int) size(need(a, v)); i++; }
                    case "--threads" -> { o.threads = Integer.parseInt(need(a, v)); i++; }
                    case "--pool-bytes" -> { o.poolBytes = size(need(a, v)); i++; }
                    case "--window" -> { o.window = size(need(a, v)); i++; }
                    case "--flusher-threads" -> { o.flusherThreads = Integer.parseInt(need(a, v)); i++; }
                    case "--direct" -> o.direct = true;
                    case "--drop-caches" -> o.dropCaches = true;
                    case "--cases" -> { o.only = new LinkedHashSet<>(Arrays.asList(need(a, v).split(","))); i++; }
                    case "--help", "-h" -> { usage(); System.exit(0); }
                    default -> { System.err.println("unknown option " + a); usage(); System.exit(2); }
                }
            }
            if (o.runs < 1 || o.warmups < 1 || o.threads < 1 || o.bytes < o.batchBytes) {
                System.err.println("need --runs >= 1, --warmups >= 1, --threads >= 1 and --bytes >= --batch-bytes");
                System.exit(2);
            }
            return o;
        }

        private static String need(String opt, String v) {
            if (v == null) {
                System.err.println(opt + " needs a value");
                System.exit(2);
            }
            return v;
        }

        static long size(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            long mul = 1;
            if (t.endsWith("ib")) {
                t = t.substring(0, t.length() - 2);
            } else if (t.endsWith("b")) {
                t = t.substring(0, t.length() - 1);
            }
            switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
                case 'k' -> mul = 1L << 10;
                case 'm' -> mul = 1L << 20;
                case 'g' -> mul = 1L << 30;
                default -> mul = 1;
            }
            if (mul > 1) {
                t = t.substring(0, t.length() - 1);
            }
            return Long.parseLong(t) * mul;
        }

        static void usage() {
            System.err.println("""
                    usage: LogBench [options]
                      --dir DIR               data directory on the disk to measure (default target/log-bench)
                      --bytes SIZE            bytes written per run of each case (default 256m)
                      --fsync-each-bytes SIZE bytes per run for the fsync-after-every-write cases (default 64m)
                      --runs N                measured runs per case (default 5)
                      --warmups N             untimed warm-up runs per case (default 1, at least 1)
                      --batch-bytes SIZE      record batch size (default 16k)
                      --record-bytes N        record value size (default 100)
                      --threads N             partitions x appender threads of the multi-partition case (default 4)
                      --pool-bytes SIZE       distinct batches built up front, reused in turn (default 16m)
                      --window SIZE           appended-but-not-durable bytes allowed in the closed-loop case (default 4m)
                      --flusher-threads N     the log's fsync threads (default: LogManagerConfig's, 2)
                      --direct                keep the batches in direct buffers (default: heap, as MemoryRecordsBuilder makes them)
                      --drop-caches           drop the page cache before every read run (root; affects the whole machine)
                      --cases a,b,...         run only these case ids (see the table for ids)
                    SIZE takes k/m/g suffixes (powers of 2).""");
        }
    }

    // ------------------------------------------------------------------ data

    /** The distinct batches, built once; every case writes the same sequence {@code pool[i % pool.length]}. */
    static final class Pool {
        final ByteBuffer[] batches;
        final int batchSize;
        final int recordsPerBatch;

        Pool(Options o) {
            int n = (int) Math.max(o.threads, Math.min(o.poolBytes / o.batchBytes, o.bytes / o.batchBytes));
            n = Math.max(n, 1);
            batches = new ByteBuffer[n];
            Random random = new Random(42);
            byte[] value = new byte[o.recordBytes];
            long ts = 1_700_000_000_000L;
            int size = -1;
            int records = -1;
            for (int b = 0; b < n; b++) {
                ByteBuffer buf = ByteBuffer.allocate(o.batchBytes);
                long batchTs = ts + b / 16; // one millisecond per 16 batches (~256 KiB): the time index grows too
                MemoryRecordsBuilder builder = new MemoryRecordsBuilder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                        TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID,
                        RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false,
                        RecordBatch.NO_PARTITION_LEADER_EPOCH, o.batchBytes);
                int count = 0;
                while (builder.hasRoomFor(batchTs, null, value, Record.EMPTY_HEADERS)) {
                    random.nextBytes(value);
                    builder.append(batchTs, null, value);
                    count++;
                }
                MemoryRecords built = builder.build();
                ByteBuffer exact = o.direct ? ByteBuffer.allocateDirect(built.sizeInBytes())
                        : ByteBuffer.allocate(built.sizeInBytes());
                exact.put(built.buffer().duplicate()).flip();
                if (b == 0) {
                    size = exact.remaining();
                    records = count;
                } else if (size != exact.remaining() || records != count) {
                    throw new IllegalStateException("batches differ in size: " + size + "/" + records + " vs "
                            + exact.remaining() + "/" + count);
                }
                batches[b] = exact;
            }
            batchSize = size;
            recordsPerBatch = records;
        }

        int batchesFor(long bytes) {
            return (int) Math.max(1, bytes / batchSize);
        }

        /** The pool entries owned by appender {@code t} of {@code threads} (disjoint: append rewrites headers). */
        MemoryRecords[] slice(int t, int threads) {
            int from = (int) ((long) batches.length * t / threads);
            int to = (int) ((long) batches.length * (t + 1) / threads);
            MemoryRecords[] out = new MemoryRecords[to - from];
            for (int i = from; i < to; i++) {
                out[i - from] = MemoryRecords.readableRecords(batches[i].duplicate());
            }
            return out;
        }
    }

    /** One measured (or warm-up) run. */
    record Run(long bytes, long records, long nanos, long cpuNanos) {
        double mbps() {
            return bytes / MB / (nanos / 1e9);
        }

        double recps() {
            return records / (nanos / 1e9);
        }

        double cpuMs() {
            return cpuNanos / 1e6;
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU time of the calling thread (user + system), or 0 where the JVM cannot tell. */
    static long cpuNow() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    // ------------------------------------------------------------------ cases

    abstract static class Case {
        final String id;
        final String what;
        final String timedTo;
        final List<Run> runs = new ArrayList<>();
        Recorder callRecorder;
        Recorder durableRecorder;
        final Histogram call = new Histogram(3);
        final Histogram durable = new Histogram(3);

        Case(String id, String what, String timedTo) {
            this.id = id;
            this.what = what;
            this.timedTo = timedTo;
        }

        abstract Run run(int round) throws Exception;

        /** Folds the latencies of the run into the case totals (measured) or drops them (warm-up). */
        void collect(boolean measured) {
            if (callRecorder != null) {
                Histogram h = callRecorder.getIntervalHistogram();
                if (measured) {
                    call.add(h);
                }
            }
            if (durableRecorder != null) {
                Histogram h = durableRecorder.getIntervalHistogram();
                if (measured) {
                    durable.add(h);
                }
            }
        }

        double[] stats(java.util.function.ToDoubleFunction<Run> f) {
            double[] v = runs.stream().mapToDouble(f).sorted().toArray();
            if (v.length == 0) {
                return new double[] {Double.NaN, Double.NaN, Double.NaN};
            }
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new double[] {median, v[0], v[v.length - 1]};
        }
    }

    private final Options opts;
    private final Pool pool;
    private final List<Case> cases = new ArrayList<>();
    private LogManager readLog;
    private PartitionLog readPartition;
    private long readRecords;
    private ByteBuffer readBuffer;
    private FileChannel devNull;
    private NullChannel nullChannel;

    LogBench(Options opts) {
        this.opts = opts;
        this.pool = new Pool(opts);
    }

    private LogManagerConfig config(Path dataDir) {
        LogManagerConfig d = LogManagerConfig.defaults(dataDir);
        return new LogManagerConfig(dataDir, d.topicDefaults(), opts.flusherThreads, d.retentionCheckIntervalMs(),
                d.recoveryCheckpointIntervalMs(), d.fileIO(), d.time());
    }

    // ---- raw writes

    /** A raw sequential write of the batch sequence to a new file, in writes of one batch each. */
    final class RawWrite extends Case {
        final int mode; // 0 no fsync, 1 force after every write, 2 grouped force from a second thread

        RawWrite(String id, String what, int mode) {
            super(id, what, mode == 0 ? "last write returned" : "last fsync returned");
            this.mode = mode;
            if (mode == 2) {
                callRecorder = new Recorder(3);
                durableRecorder = new Recorder(3);
            }
        }

        @Override
        Run run(int round) throws Exception {
            int n = pool.batchesFor(mode == 1 ? Math.min(opts.fsyncEachBytes, opts.bytes) : opts.bytes);
            Path file = opts.dir.resolve(id + "-" + round + ".raw");
            ByteBuffer[] src = pool.batches;
            long bytes = (long) n * pool.batchSize;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long t0;
                long t1;
                long c0 = cpuNow();
                if (mode == 2) {
                    GroupedFlusher flusher = new GroupedFlusher(ch, n, durableRecorder);
                    Thread ft = new Thread(flusher, "raw-flusher");
                    ft.start();
                    t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        long s = System.nanoTime();
                        writeFully(ch, src[i % src.length].duplicate());
                        long e = System.nanoTime();
                        callRecorder.recordValue(e - s);
                        flusher.returnedAt[i] = e;
                        flusher.written = i + 1; // publishes returnedAt[i] to the flusher
                    }
                    flusher.done = true;
                    ft.join();
                    t1 = System.nanoTime();
                    if (flusher.error != null) {
                        throw new IOException("raw flusher failed", flusher.error);
                    }
                } else {
                    t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        writeFully(ch, src[i % src.length].duplicate());
                        if (mode == 1) {
                            ch.force(true);
                        }
                    }
                    t1 = System.nanoTime();
                }
                return new Run(bytes, (long) n * pool.recordsPerBatch, t1 - t0, cpuNow() - c0);
            } finally {
                Files.deleteIfExists(file); // drops any page still dirty (mode 0): nothing is left to write back
            }
        }
    }

    /**
     * fsyncs the raw file as log-core's group commit does: as soon as there is unsynced data, but no
     * sooner than 2 ms after the previous fsync started; the writer never waits for it.
     */
    static final class GroupedFlusher implements Runnable {
        private static final long MIN_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(2);
        final FileChannel ch;
        /** When each write returned, for the write-to-durable latency (as for log-core's appends). */
        final long[] returnedAt;
        final Recorder durable;
        /** Writes done (not bytes). */
        volatile int written;
        volatile boolean done;
        volatile Throwable error;

        GroupedFlusher(FileChannel ch, int writes, Recorder durable) {
            this.ch = ch;
            this.returnedAt = new long[writes];
            this.durable = durable;
        }

        @Override
        public void run() {
            int synced = 0;
            long lastStart = System.nanoTime() - MIN_INTERVAL_NS;
            try {
                while (true) {
                    boolean finished = done;
                    int w = written;
                    if (w > synced) {
                        long wait = lastStart + MIN_INTERVAL_NS - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                            continue;
                        }
                        lastStart = System.nanoTime();
                        ch.force(true);
                        long now = System.nanoTime();
                        for (int i = synced; i < w; i++) {
                            durable.recordValue(now - returnedAt[i]);
                        }
                        synced = w;
                    } else if (finished) {
                        return;
                    } else {
                        LockSupport.parkNanos(20_000);
                    }
                }
            } catch (Throwable t) {
                error = t;
            }
        }
    }

    static int writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        int n = 0;
        while (b.hasRemaining()) {
            n += ch.write(b);
        }
        return n;
    }

    // ---- log-core appends

    enum Policy {
        FSYNC_OFF(Map.of(TopicConfig.FLUSH_MS, "3600000"), false, false),
        GROUP_COMMIT(Map.of(), true, true),
        EVERY_SECOND(Map.of(TopicConfig.FLUSH_MS, "1000"), true, false),
        EVERY_APPEND(Map.of(TopicConfig.FLUSH_MESSAGES, "1"), true, true);

        final Map<String, String> overrides;
        final boolean durable;
        final boolean timedToDurable;

        Policy(Map<String, String> overrides, boolean durable, boolean timedToDurable) {
            this.overrides = overrides;
            this.durable = durable;
            this.timedToDurable = timedToDurable;
        }
    }

    final class Append extends Case {
        final Policy policy;
        final int partitions;
        final boolean copy;
        /** Closed loop: at most this many appends not yet durable per appender (0: open loop). */
        final int window;
        MemoryRecords[][] slices;

        Append(String id, String what, Policy policy, int partitions, boolean copy) {
            this(id, what, policy, partitions, copy, 0);
        }

        Append(String id, String what, Policy policy, int partitions, boolean copy, int window) {
            super(id, what, policy.timedToDurable ? "all appends durable" : "last append returned");
            this.policy = policy;
            this.partitions = partitions;
            this.copy = copy;
            this.window = window;
            this.callRecorder = new Recorder(3);
            if (policy.durable) {
                this.durableRecorder = new Recorder(3);
            }
        }

        @Override
        Run run(int round) throws Exception {
            if (slices == null) {
                slices = new MemoryRecords[partitions][];
                for (int t = 0; t < partitions; t++) {
                    slices[t] = pool.slice(t, partitions);
                }
            }
            long total = policy == Policy.EVERY_APPEND ? Math.min(opts.fsyncEachBytes, opts.bytes) : opts.bytes;
            int perThread = Math.max(1, pool.batchesFor(total) / partitions);
            Path runDir = opts.dir.resolve(id + "-" + round);
            LogManager lm = LogManager.open(config(runDir));
            boolean aborted = false;
            try {
                lm.createTopic("bench", partitions, policy.overrides);
                CountDownLatch go = new CountDownLatch(1);
                Appender[] appenders = new Appender[partitions];
                Thread[] threads = new Thread[partitions];
                for (int t = 0; t < partitions; t++) {
                    appenders[t] = new Appender(lm.partition("bench", t), slices[t], perThread, go);
                    threads[t] = new Thread(appenders[t], "appender-" + t);
                    threads[t].start();
                }
                Thread.sleep(20); // let the appenders reach the latch
                long t0 = System.nanoTime();
                go.countDown();
                for (Thread th : threads) {
                    th.join();
                }
                long t1 = System.nanoTime();
                long records = 0;
                long cpu = 0;
                for (Appender a : appenders) {
                    if (a.error != null) {
                        throw new IllegalStateException("appender failed", a.error);
                    }
                    records += a.records;
                    cpu += a.cpuNanos;
                }
                // Untimed: let a flush.ms=1000 run become durable so that its latency histogram is whole.
                for (Appender a : appenders) {
                    if (a.last != null) {
                        a.last.get(30, TimeUnit.SECONDS);
                    }
                }
                if (policy == Policy.FSYNC_OFF) {
                    lm.abort(); // no fsync at all; the files are deleted below, dropping the dirty pages
                    aborted = true;
                }
                return new Run((long) perThread * partitions * pool.batchSize, records, t1 - t0, cpu);
            } finally {
                if (!aborted) {
                    lm.close();
                }
                deleteRecursively(runDir);
            }
        }

        final class Appender implements Runnable {
            final PartitionLog log;
            final MemoryRecords[] batches;
            final int count;
            final CountDownLatch go;
            long records;
            long cpuNanos;
            CompletableFuture<Void> last;
            volatile Throwable error;

            Appender(PartitionLog log, MemoryRecords[] batches, int count, CountDownLatch go) {
                this.log = log;
                this.batches = batches;
                this.count = count;
                this.go = go;
            }

            @Override
            public void run() {
                try {
                    go.await();
                    long c0 = cpuNow();
                    Recorder calls = callRecorder;
                    Recorder durables = durableRecorder;
                    java.util.ArrayDeque<CompletableFuture<Void>> inFlight = new java.util.ArrayDeque<>();
                    for (int i = 0; i < count; i++) {
                        if (window > 0 && inFlight.size() >= window) {
                            inFlight.poll().get(); // as an acks=all producer whose in-flight window is full
                        }
                        MemoryRecords batch = batches[i % batches.length];
                        if (copy) {
                            ByteBuffer src = batch.buffer(); // a duplicate: position 0, limit = size
                            ByteBuffer dst = src.isDirect() ? ByteBuffer.allocateDirect(src.remaining())
                                    : ByteBuffer.allocate(src.remaining());
                            batch = MemoryRecords.readableRecords(dst.put(src).flip());
                        }
                        long s = System.nanoTime();
                        AppendResult r = log.append(batch);
                        long e = System.nanoTime();
                        calls.recordValue(e - s);
                        records += r.lastOffset() - r.firstOffset() + 1;
                        if (durables != null) {
                            CompletableFuture<Void> f = log.awaitDurable(r.lastOffset());
                            f.whenComplete((v, x) -> durables.recordValue(System.nanoTime() - e));
                            last = f;
                            if (window > 0) {
                                inFlight.add(f);
                            }
                        }
                    }
                    cpuNanos = cpuNow() - c0;
                    if (policy.timedToDurable && last != null) {
                        last.get(); // waiters complete in offset order: the last one completes after all others
                    }
                } catch (Throwable t) {
                    error = t;
                }
            }
        }
    }

    // ---- reads

    /** Writes the read data set once (fsync off, then one flush): one partition, the same batch sequence. */
    private void prepareReadData() throws IOException {
        Path d = opts.dir.resolve("read-data");
        deleteRecursively(d);
        readLog = LogManager.open(config(d));
        readLog.createTopic("read", 1, Policy.FSYNC_OFF.overrides);
        readPartition = readLog.partition("read", 0);
        MemoryRecords[] src = pool.slice(0, 1);
        int n = pool.batchesFor(opts.bytes);
        for (int i = 0; i < n; i++) {
            readPartition.append(src[i % src.length]);
        }
        readPartition.flush();
        readRecords = readPartition.highWatermark() - readPartition.logStartOffset();
        readBuffer = ByteBuffer.allocateDirect(READ_MAX_BYTES + 2 * pool.batchSize);
        devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        nullChannel = new NullChannel(devNull);
    }

    private List<Path> readSegmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(readPartition.dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private void maybeDropCaches() {
        if (!opts.dropCaches) {
            return;
        }
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
        } catch (IOException e) {
            throw new UncheckedIOException("--drop-caches needs root: " + e.getMessage(), e);
        }
    }

    final class LogRead extends Case {
        final boolean zeroCopy;

        LogRead(String id, String what, boolean zeroCopy) {
            super(id, what, "last byte consumed");
            this.zeroCopy = zeroCopy;
        }

        @Override
        Run run(int round) throws Exception {
            maybeDropCaches();
            PartitionLog p = readPartition;
            long hw = p.highWatermark();
            long c0 = cpuNow();
            long t0 = System.nanoTime();
            long offset = p.logStartOffset();
            long bytes = 0;
            long records = 0;
            while (offset < hw) {
                ReadResult r = p.read(offset, READ_MAX_BYTES);
                Records rec = r.records();
                if (!(rec instanceof FileRecords fr)) {
                    throw new IllegalStateException("empty read at offset " + offset + " below the high watermark " + hw);
                }
                int size = fr.sizeInBytes();
                if (zeroCopy) {
                    int done = 0;
                    while (done < size) {
                        done += fr.writeTo(nullChannel, done, size - done);
                    }
                    // The batches are all alike (checked when built): the next offset follows from the size.
                    long n = (long) (size / pool.batchSize) * pool.recordsPerBatch;
                    offset += n;
                    records += n;
                } else {
                    ByteBuffer buf = readBuffer.capacity() >= size ? readBuffer : ByteBuffer.allocateDirect(size);
                    buf.clear().limit(size);
                    fr.readInto(buf, 0);
                    for (MutableRecordBatch b : MemoryRecords.readableRecords(buf).batches()) {
                        records += b.lastOffset() - b.baseOffset() + 1;
                        offset = b.lastOffset() + 1;
                    }
                }
                bytes += size;
            }
            long t1 = System.nanoTime();
            if (offset != hw || records != readRecords) {
                throw new IllegalStateException("read ended at offset " + offset + " with " + records
                        + " records; expected " + hw + " and " + readRecords);
            }
            return new Run(bytes, records, t1 - t0, cpuNow() - c0);
        }
    }

    final class RawRead extends Case {
        final boolean zeroCopy;

        RawRead(String id, String what, boolean zeroCopy) {
            super(id, what, "last byte consumed");
            this.zeroCopy = zeroCopy;
        }

        @Override
        Run run(int round) throws Exception {
            maybeDropCaches();
            List<Path> files = readSegmentFiles();
            long bytes = 0;
            long c0 = cpuNow();
            long t0 = System.nanoTime();
            for (Path f : files) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    if (zeroCopy) {
                        long size = ch.size();
                        long pos = 0;
                        while (pos < size) {
                            pos += ch.transferTo(pos, Math.min(READ_MAX_BYTES, size - pos), devNull);
                        }
                        bytes += size;
                    } else {
                        ByteBuffer buf = readBuffer;
                        while (true) {
                            buf.clear().limit(READ_MAX_BYTES);
                            int n = ch.read(buf);
                            if (n < 0) {
                                break;
                            }
                            bytes += n;
                        }
                    }
                }
            }
            long t1 = System.nanoTime();
            return new Run(bytes, readRecords, t1 - t0, cpuNow() - c0);
        }
    }

    /** A {@link TransferableChannel} over {@code /dev/null}: {@code transferFrom} is a FileChannel.transferTo. */
    static final class NullChannel implements TransferableChannel {
        private final FileChannel out;

        NullChannel(FileChannel out) {
            this.out = out;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, out);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return out.write(srcs, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return out.write(srcs);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return out.write(src);
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
        }
    }

    // ------------------------------------------------------------------ driver

    private void defineCases() {
        String fsyncEach = human(Math.min(opts.fsyncEachBytes, opts.bytes));
        int t = opts.threads;
        List<Case> all = List.of(
                new RawWrite("raw-write", "raw FileChannel.write, one batch per write, no fsync", 0),
                new RawWrite("raw-write-fsync-each", "raw write + force(true) after every write [" + fsyncEach + "]", 1),
                new RawWrite("raw-write-fsync-2ms", "raw write; 2nd thread force(true) >= 2 ms apart (group-commit pattern)", 2),
                new Append("append-fsync-off", "append, fsync off (flush.ms=3600000), batches reused", Policy.FSYNC_OFF, 1, false),
                new Append("append-fsync-off-copy", "append, fsync off, each batch first copied to a new buffer", Policy.FSYNC_OFF, 1, true),
                new Append("append-group", "append, group commit (default), 1 partition x 1 appender", Policy.GROUP_COMMIT, 1, false),
                new Append("append-group-" + t + "p", "append, group commit, " + t + " partitions x " + t + " appenders", Policy.GROUP_COMMIT, t, false),
                new Append("append-group-window", "append, group commit, 1 x 1, closed loop: <= " + human(opts.window)
                        + " not yet durable", Policy.GROUP_COMMIT, 1, false, (int) Math.max(1, opts.window / pool.batchSize)),
                new Append("append-every-second", "append, flush.ms=1000", Policy.EVERY_SECOND, 1, false),
                new Append("append-every-append", "append, flush.messages=1 (fsync in append) [" + fsyncEach + "]", Policy.EVERY_APPEND, 1, false),
                new RawRead("raw-read", "raw FileChannel.read of the segment file into a 1 MiB direct buffer", false),
                new LogRead("read", "PartitionLog.read(off, 1 MiB) + FileRecords.readInto(direct buf) + batch walk", false),
                new RawRead("raw-read-sendfile", "raw FileChannel.transferTo(/dev/null), 1 MiB at a time", true),
                new LogRead("read-sendfile", "PartitionLog.read(off, 1 MiB) + FileRecords.writeTo(/dev/null)", true));
        for (Case c : all) {
            if (opts.only == null || opts.only.contains(c.id)) {
                cases.add(c);
            }
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("no case matches --cases " + opts.only);
        }
    }

    /** Runs every selected case and prints the results; returns the cases with their measured runs. */
    List<Case> run() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(opts.dir);
        defineCases();
        printHeader();
        boolean reads = cases.stream().anyMatch(c -> c instanceof LogRead || c instanceof RawRead);
        if (reads) {
            prepareReadData();
            System.out.printf("read data set: %s (%d segment file(s), %s, %d records), page cache %s%n",
                    readPartition.dir(), readSegmentFiles().size(), human(readPartition.sizeInBytes()), readRecords,
                    opts.dropCaches ? "dropped before every read run" : "warm (reads are served from memory)");
        }
        try {
            int rounds = opts.warmups + opts.runs;
            for (int round = 0; round < rounds; round++) {
                boolean measured = round >= opts.warmups;
                String tag = measured ? "run " + (round - opts.warmups + 1) + "/" + opts.runs
                        : "warm-up " + (round + 1) + "/" + opts.warmups;
                StringBuilder line = new StringBuilder(tag).append(':');
                for (Case c : cases) {
                    checkSpace();
                    Run r = c.run(round);
                    c.collect(measured);
                    if (measured) {
                        c.runs.add(r);
                    }
                    line.append(String.format(Locale.ROOT, " %s=%.0f", c.id, r.mbps()));
                }
                System.out.println(line.append(" (MB/s)"));
            }
        } finally {
            if (readLog != null) {
                readLog.close();
                devNull.close();
                deleteRecursively(opts.dir.resolve("read-data"));
            }
        }
        printResults((System.nanoTime() - started) / 1e9);
        return cases;
    }

    private void checkSpace() throws IOException {
        long usable = Files.getFileStore(opts.dir).getUsableSpace();
        long need = 2 * opts.bytes + (1L << 30);
        if (usable < need) {
            throw new IOException("only " + human(usable) + " free on " + opts.dir + "; the benchmark needs " + human(need));
        }
    }

    private void printHeader() throws IOException {
        Path abs = opts.dir.toAbsolutePath().normalize();
        FileStore store = Files.getFileStore(opts.dir);
        var rt = ManagementFactory.getRuntimeMXBean();
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.println("== log-core storage benchmark ==");
        System.out.printf("machine: %d cores (%s), %s %s, load average %.2f%n", Runtime.getRuntime().availableProcessors(),
                cpuModel(), System.getProperty("os.name"), System.getProperty("os.version"), os.getSystemLoadAverage());
        System.out.printf("jvm: %s %s (%s), max heap %s, flags %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"),
                human(Runtime.getRuntime().maxMemory()), rt.getInputArguments());
        System.out.printf("disk: %s on %s (%s), %s free of %s%n", abs, store.name(), store.type(),
                human(store.getUsableSpace()), human(store.getTotalSpace()));
        System.out.printf("data: %d-byte values, %d records per batch, %d-byte batches (%s buffers), pool of %d distinct batches%n",
                opts.recordBytes, pool.recordsPerBatch, pool.batchSize, opts.direct ? "direct" : "heap", pool.batches.length);
        System.out.printf("per run: %s written per case (%s for fsync-after-every-write cases), %d warm-up + %d measured"
                        + " runs per case, rounds interleaved (each round runs every case once)%n",
                human((long) pool.batchesFor(opts.bytes) * pool.batchSize), human(Math.min(opts.fsyncEachBytes, opts.bytes)),
                opts.warmups, opts.runs);
        System.out.println("fsync = FileChannel.force(true) (what log-core calls); MB = 10^6 bytes; files deleted after every run;"
                + " log flusher threads: " + opts.flusherThreads);
    }

    private void printResults(double seconds) {
        Case rawWrite = find("raw-write");
        Case rawEach = find("raw-write-fsync-each");
        Case raw2ms = find("raw-write-fsync-2ms");
        Case off = find("append-fsync-off");
        Case group = find("append-group");
        Case rawRead = find("raw-read");
        Case read = find("read");

        System.out.println();
        System.out.printf("%-24s %9s %9s %9s %12s %12s %12s %8s  %-22s  %s%n", "case", "MB/s med", "min", "max",
                "rec/s med", "min", "max", "cpu ns/B", "timed to", "what");
        for (Case c : cases) {
            double[] mb = c.stats(Run::mbps);
            double[] rs = c.stats(Run::recps);
            double cpu = c.stats(r -> r.cpuNanos() / (double) r.bytes())[0];
            System.out.printf(Locale.ROOT, "%-24s %9.1f %9.1f %9.1f %12.0f %12.0f %12.0f %8.2f  %-22s  %s%n", c.id, mb[0],
                    mb[1], mb[2], rs[0], rs[1], rs[2], cpu, c.timedTo, c.what);
        }
        System.out.println("cpu ns/B = CPU time (user + system) of the writing or reading threads only (not the log's flusher"
                + " threads) per byte, median: steadier than MB/s on a busy machine");

        System.out.println();
        System.out.printf("%-24s %9s %9s %9s %9s | %-10s %9s %9s %9s %9s%n", "latency (us)", "call:", "p50", "p99",
                "max", "durable:", "p50", "p99", "p99.9", "max");
        for (Case c : cases) {
            if (c.callRecorder == null) {
                continue; // no latency measured
            }
            String d = c.durableRecorder == null
                    ? String.format("%-10s %9s %9s %9s %9s", "", "-", "-", "-", "-")
                    : String.format(Locale.ROOT, "%-10s %9.0f %9.0f %9.0f %9.0f", "", us(c.durable, 50), us(c.durable, 99),
                            us(c.durable, 99.9), c.durable.getMaxValue() / 1e3);
            System.out.printf(Locale.ROOT, "%-24s %9s %9.1f %9.1f %9.0f | %s%n", c.id, "", us(c.call, 50), us(c.call, 99),
                    c.call.getMaxValue() / 1e3, d);
        }
        System.out.println("call = time inside PartitionLog.append (raw: FileChannel.write); durable = from that call returning"
                + " to its awaitDurable future completing (raw: to the end of the first fsync started after it), all measured"
                + " runs.");
        System.out.println("The open-loop cases write as fast as they can:");
        System.out.println("when that outruns the disk, their durable latency is mostly the backlog. The closed-loop case"
                + " (append-group-window) shows the commit latency of a bounded producer.");
        System.out.println("raw-write-fsync-2ms is the physical reference for append-group's latency (same pattern, no log).");

        System.out.println();
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratio(ratios, "fsync_off_append_vs_raw_write", off, rawWrite, 0.80,
                "append fsync off / raw write without fsync");
        ratio(ratios, "group_commit_vs_raw_fsync_2ms", group, raw2ms, 0.50,
                "group commit / raw write + grouped fsync (same pattern: the writer never waits for the fsync, which"
                        + " runs at most every 2 ms; this is the limit group commit can reach)");
        ratio(ratios, "group_commit_vs_raw_fsync_each", group, rawEach, Double.NaN,
                "group commit / raw write + fsync per write (for reference: a lower bound, not the limit)");
        ratio(ratios, "read_vs_raw_read", read, rawRead, Double.NaN, "PartitionLog.read + readInto / raw read");
        if (off != null && rawWrite != null && !off.runs.isEmpty() && !rawWrite.runs.isEmpty()) {
            double r = rawWrite.stats(x -> x.cpuNanos() / (double) x.bytes())[0] / off.stats(x -> x.cpuNanos() / (double) x.bytes())[0];
            ratios.put("cpu_raw_write_vs_fsync_off_append", r);
            System.out.printf(Locale.ROOT, "ratio %-32s %6.3f   (CPU per byte of the raw writer / of the appender, fsync off:"
                    + " the same efficiency measure as the first ratio, less sensitive to other load)%n",
                    "cpu_raw_write_vs_fsync_off_append", r);
        }
        System.out.printf(Locale.ROOT, "total time %.0f s; load average at the end %.2f%n", seconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        StringBuilder json = new StringBuilder("{\"bench\":\"log-core\",\"bytes\":").append(opts.bytes)
                .append(",\"runs\":").append(opts.runs).append(",\"cores\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"dir\":\"").append(opts.dir.toAbsolutePath().normalize().toString().replace("\"", "\\\""))
                .append("\",\"median\":{");
        boolean first = true;
        for (Case c : cases) {
            json.append(first ? "" : ",").append('"').append(c.id).append("\":{")
                    .append(String.format(Locale.ROOT, "\"mb_s\":%.1f,\"rec_s\":%.0f,\"cpu_ns_per_byte\":%.3f", c.stats(Run::mbps)[0],
                            c.stats(Run::recps)[0], c.stats(r -> r.cpuNanos() / (double) r.bytes())[0]));
            if (c.durableRecorder != null) {
                json.append(String.format(Locale.ROOT, ",\"durable_p50_us\":%.0f,\"durable_p99_us\":%.0f,\"durable_max_us\":%.0f",
                        us(c.durable, 50), us(c.durable, 99), c.durable.getMaxValue() / 1e3));
            }
            json.append('}');
            first = false;
        }
        json.append("},\"ratios\":{");
        first = true;
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":")
                    .append(String.format(Locale.ROOT, "%.3f", e.getValue()));
            first = false;
        }
        System.out.println(json.append("}}"));
    }

    private void ratio(Map<String, Double> out, String key, Case a, Case b, double target, String what) {
        if (a == null || b == null || a.runs.isEmpty() || b.runs.isEmpty()) {
            return;
        }
        double r = a.stats(Run::mbps)[0] / b.stats(Run::mbps)[0];
        out.put(key, r);
        String verdict = Double.isNaN(target) ? "" : String.format(Locale.ROOT, "  target >= %.2f: %s", target,
                r >= target ? "MET" : "NOT MET");
        System.out.printf(Locale.ROOT, "ratio %-32s %6.3f%s   (%s, medians)%n", key, r, verdict, what);
    }

    private Case find(String id) {
        return cases.stream().filter(c -> c.id.equals(id)).findFirst().orElse(null);
    }

    private static double us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown cpu");
        } catch (IOException | UncheckedIOException e) {
            return "unknown cpu";
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        new LogBench(o).run();
        System.exit(0); // the log's flusher and maintenance threads are daemons, but be explicit
    }
}
