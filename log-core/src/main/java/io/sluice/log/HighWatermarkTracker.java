package io.sluice.log;

import io.sluice.log.internals.DurabilityWaiters;
import io.sluice.log.internals.LogPosition;
import io.sluice.log.internals.LogSegment;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability of a {@link PartitionLog}: the flush policy, fsyncs, the high watermark and the waiters for it.
 *
 * <p>The high watermark is one past the last offset known to be on disk (fsynced); it only advances in
 * {@link #flush}, after the fsync.
 *
 * <p>Thread-safety: thread-safe; flushes are serialised by {@code flushLock} and never hold the append lock
 * (only briefly take it to read/update the unflushed counters it guards).
 */
final class HighWatermarkTracker {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final PartitionLog log;
    private final String topic;
    private final int partition;
    private final LogContext ctx;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final ReentrantLock appendLock;
    private final Object flushLock = new Object();

    private volatile LogPosition highWatermark;
    private final DurabilityWaiters waiters = new DurabilityWaiters();

    // Guarded by appendLock.
    private long unflushedMessages;
    private long firstUnflushedAppendMs = -1;

    private final FlushTrigger flushTrigger;
    private volatile long lastFlushStartMs;

    HighWatermarkTracker(PartitionLog log, LogContext ctx, ConcurrentSkipListMap<Long, LogSegment> segments,
                         ReentrantLock appendLock, LogPosition initialHighWatermark) {
        this.log = log;
        this.topic = log.topic();
        this.partition = log.partition();
        this.ctx = ctx;
        this.segments = segments;
        this.appendLock = appendLock;
        this.flushTrigger = new FlushTrigger(ctx.flushExecutor(), this::scheduledFlush);
        this.highWatermark = initialHighWatermark;
    }

    LogPosition highWatermark() {
        return highWatermark;
    }

    /**
     * Counts {@code count} appended messages; returns whether flush.messages is reached. Under appendLock.
     */
    boolean recordAppend(long count, long now, long flushMessages) {
        if (unflushedMessages == 0) {
            firstUnflushedAppendMs = now;
        }
        unflushedMessages += count;
        return unflushedMessages >= flushMessages;
    }

    void failAll(RuntimeException e) {
        waiters.failAll(e);
    }

    /** See {@link PartitionLog#awaitDurable}. */
    CompletableFuture<Void> awaitDurable(long offset) {
        CompletableFuture<Void> f = waiters.await(offset, highWatermark.offset());
        Exception failure = log.failure();
        if (failure != null && !f.isDone()) {
            waiters.failAll(new LogStorageException(topic, partition, "storage failure", failure));
        }
        // Re-check: the flusher may have advanced the high watermark while we registered.
        waiters.complete(highWatermark.offset());
        return f;
    }

    /** See {@link PartitionLog#flush}. */
    long flush() {
        synchronized (flushLock) {
            LogPosition target = log.logEndPosition();
            LogPosition hw = highWatermark;
            if (target.offset() <= hw.offset() && target.position() == hw.position()) {
                return hw.offset();
            }
            lastFlushStartMs = ctx.time().milliseconds();
            long unflushedBefore;
            appendLock.lock();
            try {
                unflushedBefore = unflushedMessages;
            } finally {
                appendLock.unlock();
            }
            try {
                for (LogSegment s : segments.subMap(hw.segmentBase(), true, target.segmentBase(), true).values()) {
                    s.flush();
                }
            } catch (IOException | RuntimeException e) {
                log.fail(e);
                throw new LogStorageException(topic, partition, "fsync failed: " + e.getMessage(), e);
            }
            highWatermark = target;
            appendLock.lock();
            try {
                unflushedMessages = Math.max(0, unflushedMessages - unflushedBefore);
                firstUnflushedAppendMs = unflushedMessages == 0 ? -1 : ctx.time().milliseconds();
            } finally {
                appendLock.unlock();
            }
            waiters.complete(target.offset());
            java.util.function.Consumer<PartitionLog> listener = ctx.highWatermarkListener().get();
            if (listener != null) {
                try {
                    listener.accept(log);
                } catch (RuntimeException e) {
                    // The data is durable whatever a listener does; its failure must not look like a failed flush.
                    LOG.warn("{}-{}: high-watermark listener failed: {}", topic, partition, e.toString());
                }
            }
            return target.offset();
        }
    }

    /** Asks for a flush no later than the topic's policy allows. */
    void scheduleFlush() {
        long now = ctx.time().milliseconds();
        flushTrigger.requestBy(FlushTrigger.due(log.config(), now, lastFlushStartMs, firstUnflushedAppendMs), now);
    }

    private void scheduledFlush() {
        if (log.isClosed() || log.failure() != null) {
            return;
        }
        try {
            flush();
        } catch (LogStorageException e) {
            return;
        }
        if (log.logEndPosition().offset() > highWatermark.offset()) {
            scheduleFlush();
        }
    }
}
