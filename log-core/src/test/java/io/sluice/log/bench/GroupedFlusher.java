package io.sluice.log.bench;

import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * fsyncs the raw file as log-core's group commit does: as soon as there is unsynced data, but no
 * sooner than 2 ms after the previous fsync started; the writer never waits for it.
 */
final class GroupedFlusher implements Runnable {
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
