package io.sluice.log;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When one partition's next fsync must happen under its topic's policy, and the one scheduled task that
 * runs it. Group commit: as soon as there is new data, but no sooner than {@code sluice.flush.interval.min.ms}
 * after the previous fsync started; {@code flush.ms} (and {@code flush.messages}, bounded by it): that long
 * after the first unsynced append. Keeps at most one pending deadline, the earliest asked for.
 * Thread-safe.
 */
final class FlushTrigger {
    private final AtomicLong deadline = new AtomicLong(Long.MAX_VALUE);
    private final ScheduledExecutorService executor;
    private final Runnable flush;

    FlushTrigger(ScheduledExecutorService executor, Runnable flush) {
        this.executor = executor;
        this.flush = flush;
    }

    /** The time by which the policy wants the unsynced data fsynced. */
    static long due(TopicConfig cfg, long nowMs, long lastFlushStartMs, long firstUnflushedAppendMs) {
        if (cfg.groupCommit()) {
            return Math.max(nowMs, lastFlushStartMs + cfg.flushIntervalMinMs());
        }
        return (firstUnflushedAppendMs < 0 ? nowMs : firstUnflushedAppendMs) + cfg.flushMaxDelayMs();
    }

    /** Makes sure the flush runs no later than {@code dueMs}. */
    void requestBy(long dueMs, long nowMs) {
        while (true) {
            long current = deadline.get();
            if (current <= dueMs) {
                return;
            }
            if (deadline.compareAndSet(current, dueMs)) {
                break;
            }
        }
        try {
            executor.schedule(this::fire, Math.max(0, dueMs - nowMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            deadline.set(Long.MAX_VALUE); // shutting down: close() flushes
        }
    }

    private void fire() {
        deadline.set(Long.MAX_VALUE); // appends from now on ask for another flush
        flush.run();
    }
}
