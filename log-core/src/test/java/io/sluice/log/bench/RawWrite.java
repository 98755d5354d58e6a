package io.sluice.log.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.HdrHistogram.Recorder;

/** A raw sequential write of the batch sequence to a new file, in writes of one batch each. */
final class RawWrite extends Case {
    private final Options opts;
    private final Pool pool;
    final int mode; // 0 no fsync, 1 force after every write, 2 grouped force from a second thread

    RawWrite(Options opts, Pool pool, String id, String what, int mode) {
        super(id, what, mode == 0 ? "last write returned" : "last fsync returned");
        this.opts = opts;
        this.pool = pool;
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

    static int writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        int n = 0;
        while (b.hasRemaining()) {
            n += ch.write(b);
        }
        return n;
    }
}
