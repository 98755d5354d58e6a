package io.sluice.log;

import io.sluice.log.internals.LogSegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the sealed segments of every partition in the background at a bounded rate and checks every batch's
 * CRC, as HDFS's block scanner does: a byte flipped by the disk is found and reported (ERROR, and the
 * {@code sluice.server.log-scrub-problems} metric) before a consumer trips on it or a backup copies it.
 * Off unless {@code log.scrubber.bytes.per.second} is set. A segment is read again a week after it was
 * checked. Runs on a thread of its own, so that its pauses never hold retention back.
 */
final class LogScrubber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogScrubber.class);
    static final long CHECK_AGAIN_MS = 7L * 24 * 3_600_000;
    private static final long IDLE_MS = 10_000;

    private final long bytesPerSecond;
    private final Supplier<List<PartitionLog>> partitions;
    private final ScheduledExecutorService thread;
    /** Segment file (by path and size) to when it was last checked. */
    private final Map<String, Long> checked = new ConcurrentHashMap<>();
    private final AtomicLong problems = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();

    LogScrubber(long bytesPerSecond, Supplier<List<PartitionLog>> partitions) {
        this.bytesPerSecond = bytesPerSecond;
        this.partitions = partitions;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-log-scrubber");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleWithFixedDelay(this::passQuietly, IDLE_MS, IDLE_MS, TimeUnit.MILLISECONDS);
    }

    /** Batches found damaged since the start. */
    long problems() {
        return problems.get();
    }

    long bytesRead() {
        return bytesRead.get();
    }

    private void passQuietly() {
        try {
            pass(System.currentTimeMillis());
        } catch (RuntimeException e) {
            LOG.warn("Scrubbing the log failed; tried again in {} s", IDLE_MS / 1000, e);
        }
    }

    /** Checks every sealed segment not checked for a week; returns the problems found in this pass. */
    long pass(long nowMs) {
        long found = 0;
        for (PartitionLog p : partitions.get()) {
            for (LogSegment s : p.maintainableSegments()) {
                String key = s.logPath() + "@" + s.sizeInBytes();
                Long last = checked.get(key);
                if (last != null && nowMs - last < CHECK_AGAIN_MS) {
                    continue;
                }
                found += check(p, s);
                checked.put(key, nowMs);
                if (Thread.currentThread().isInterrupted()) {
                    return found;
                }
            }
        }
        return found;
    }

    private long check(PartitionLog p, LogSegment s) {
        long found = 0;
        long started = System.nanoTime();
        long read = 0;
        try {
            for (FileChannelRecordBatch b : s.records().batches()) {
                try {
                    b.ensureValid();
                } catch (CorruptRecordException | InvalidRecordException e) {
                    found++;
                    problems.incrementAndGet();
                    LOG.error("{}-{}: offsets [{}, {}] in {} at position {} are damaged: {} (found by the scrubber; "
                            + "'sluice log verify' lists every problem)", p.topic(), p.partition(), b.baseOffset(),
                            b.lastOffset(), fileName(s.logPath()), b.position(), e.getMessage());
                }
                read += b.sizeInBytes();
                bytesRead.addAndGet(b.sizeInBytes());
                pace(started, read);
            }
        } catch (CorruptRecordException e) {
            found++;
            problems.incrementAndGet();
            LOG.error("{}-{}: {} cannot be read to its end: {}", p.topic(), p.partition(), fileName(s.logPath()),
                    e.getMessage());
        } catch (RuntimeException e) {
            // the segment was deleted or replaced while being read (retention, compaction): nothing to report
            LOG.debug("{}-{}: scrubbing {} stopped: {}", p.topic(), p.partition(), s.logPath(), e.toString());
        }
        return found;
    }

    /** Sleeps so that this segment is read at no more than bytesPerSecond. */
    private void pace(long startedNanos, long read) {
        long dueNanos = startedNanos + read * 1_000_000_000L / bytesPerSecond;
        long wait = dueNanos - System.nanoTime();
        if (wait > 1_000_000) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String fileName(Path p) {
        return p.getFileName().toString();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
