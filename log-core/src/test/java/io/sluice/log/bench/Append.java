package io.sluice.log.bench;

import io.sluice.log.AppendResult;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;
import org.apache.kafka.common.record.MemoryRecords;

/** {@link PartitionLog#append} of the batch sequence under one durability policy, from one thread per partition. */
final class Append extends Case {
    private final Options opts;
    private final Pool pool;
    final Policy policy;
    final int partitions;
    final boolean copy;
    /** Closed loop: at most this many appends not yet durable per appender (0: open loop). */
    final int window;
    MemoryRecords[][] slices;

    Append(Options opts, Pool pool, String id, String what, Policy policy, int partitions, boolean copy) {
        this(opts, pool, id, what, policy, partitions, copy, 0);
    }

    Append(Options opts, Pool pool, String id, String what, Policy policy, int partitions, boolean copy, int window) {
        super(id, what, policy.timedToDurable ? "all appends durable" : "last append returned");
        this.opts = opts;
        this.pool = pool;
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
        LogManager lm = LogManager.open(opts.logConfig(runDir));
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
            LogBench.deleteRecursively(runDir);
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
