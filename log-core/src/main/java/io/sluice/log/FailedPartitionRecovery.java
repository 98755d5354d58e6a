package io.sluice.log;

import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings partitions that failed on a storage error (a full disk, an I/O error) back without a restart: once
 * the partition's directory takes a small fsynced write again, the partition is recovered as after a crash
 * from its last durable offset (a batch torn by the failed write is cut; everything acknowledged as durable
 * is kept) and reopened. Attempts back off per partition, from 1 s doubling to 30 s, and are logged once per
 * failure and once on success, not on every attempt. Runs on the log's maintenance thread.
 */
final class FailedPartitionRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(FailedPartitionRecovery.class);
    static final long FIRST_RETRY_MS = 1_000;
    static final long MAX_RETRY_MS = 30_000;

    /** When a failed partition is next tried, and the wait after that. */
    private record Backoff(long nextAttemptMs, long waitMs) {
        Backoff after(long nowMs) {
            long wait = Math.min(MAX_RETRY_MS, waitMs * 2);
            return new Backoff(nowMs + wait, wait);
        }
    }

    /** Reopens a failed partition from its durable offset; returns the new partition. */
    interface Reopener {
        PartitionLog reopen(PartitionLog failed) throws IOException;
    }

    private final FileIO io;
    private final Reopener reopener;
    private final Map<PartitionLog, Backoff> backoffs = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong probes = new java.util.concurrent.atomic.AtomicLong();

    FailedPartitionRecovery(FileIO io, Reopener reopener) {
        this.io = io;
        this.reopener = reopener;
    }

    /** Tries every failed partition whose wait is over; {@code failedNow} are the failed partitions now. */
    void run(Iterable<PartitionLog> failedNow, long nowMs) {
        for (PartitionLog p : failedNow) {
            Backoff b = backoffs.computeIfAbsent(p, k -> {
                LOG.warn("{}-{} failed on a storage error; it is recovered by itself once its directory can be "
                        + "written again (tried every {}-{} s)", p.topic(), p.partition(), FIRST_RETRY_MS / 1000,
                        MAX_RETRY_MS / 1000);
                return new Backoff(nowMs + FIRST_RETRY_MS, FIRST_RETRY_MS);
            });
            if (nowMs < b.nextAttemptMs()) {
                continue;
            }
            probes.incrementAndGet();
            if (!writable(p.dir())) {
                backoffs.put(p, b.after(nowMs));
                continue;
            }
            try {
                long durable = p.highWatermark();
                PartitionLog fresh = reopener.reopen(p);
                backoffs.remove(p);
                LOG.info("{}-{} recovered after its storage failure: kept every offset below {}, log end now {}; "
                        + "appends are accepted again", p.topic(), p.partition(), durable, fresh.logEndOffset());
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}-{}: recovery attempt failed: {}", p.topic(), p.partition(), e.toString());
                backoffs.put(p, b.after(nowMs));
            }
        }
        backoffs.keySet().removeIf(p -> !p.failed());
    }

    /** Probes made since the start (each a recovery attempt's first step). */
    long probes() {
        return probes.get();
    }

    /** A probe: can 4 KiB be written and fsynced in {@code dir} now? */
    private boolean writable(Path dir) {
        Path probe = dir.resolve(".space-probe.tmp");
        try (FileChannel ch = io.openReadWrite(probe, true)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                io.deleteIfExists(probe);
            } catch (IOException e) {
                // the next probe overwrites it; loading removes .tmp files
            }
        }
    }
}
