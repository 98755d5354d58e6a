package io.sluice.log;

import io.sluice.log.internals.LogPosition;
import io.sluice.log.internals.LogSegment;
import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segment-list changes of a {@link PartitionLog}: rolling the active segment, and for retention and
 * compaction which segments may be touched, removing and replacing them, and the delayed deletion of
 * their files. The active (last) segment is never deleted, compacted or sealed while it is active.
 *
 * <p>Thread-safety: {@link #maybeRoll} runs under the log's {@code appendLock}, removal/replacement under its
 * {@code maintenanceLock}; {@link #maintainable} is lock-free.
 */
final class SegmentMaintenance {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final PartitionLog log;
    private final String topic;
    private final int partition;
    private final Path dir;
    private final LogContext ctx;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final Supplier<TopicConfig> config;

    SegmentMaintenance(PartitionLog log, Path dir, LogContext ctx,
                       ConcurrentSkipListMap<Long, LogSegment> segments, Supplier<TopicConfig> config) {
        this.log = log;
        this.topic = log.topic();
        this.partition = log.partition();
        this.dir = dir;
        this.ctx = ctx;
        this.segments = segments;
        this.config = config;
    }

    /** Rolls to a new active segment when the append would not fit the current one. Under appendLock. */
    LogSegment maybeRoll(int bytes, long lastOffset, long now, boolean force) {
        LogSegment active = segments.lastEntry().getValue();
        TopicConfig cfg = config.get();
        boolean full = active.sizeInBytes() > cfg.segmentBytes() - bytes;
        boolean old = now - active.createdAtMs() > cfg.segmentMs();
        boolean overflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (active.isEmpty() || !(force || full || old || overflow || active.indexesFull())) {
            return active;
        }
        try {
            long base = log.logEndPosition().offset();
            active.seal();
            LogSegment next = LogSegment.open(ctx.io(), dir, base, cfg.indexIntervalBytes(), PartitionRecovery.indexBytes(cfg), now);
            ctx.io().fsyncDirectory(dir);
            segments.put(base, next);
            log.logEndPosition(new LogPosition(base, base, 0)); // so that a flush seals the old segment's state even if no append follows
            LOG.debug("{}-{}: rolled segment at offset {} (full={}, old={}, overflow={})", topic, partition, base,
                    full, old, overflow);
            log.writeProducerSnapshot(base);
            return next;
        } catch (IOException | RuntimeException e) {
            log.fail(e);
            throw new LogStorageException(topic, partition, "segment roll failed: " + e.getMessage(), e);
        }
    }

    /** Inactive segments wholly below {@code hw}, oldest first: the ones maintenance may touch. */
    List<LogSegment> maintainable(LogPosition hw) {
        List<LogSegment> out = new ArrayList<>();
        for (LogSegment s : segments.headMap(segments.lastKey(), false).values()) {
            if (s.nextOffset() <= hw.offset() && s.baseOffset() < hw.segmentBase()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Removes {@code victims} from the list and marks them deleted; the caller has already made the new log
     * start offset durable. Under maintenanceLock.
     */
    void removeOldest(List<LogSegment> victims, String why) throws IOException {
        for (LogSegment s : victims) {
            segments.remove(s.baseOffset());
            LOG.info("{}-{}: deleting segment {} (offsets [{}, {}), {} bytes): {}", topic, partition,
                    SegmentFiles.baseName(s.baseOffset()), s.baseOffset(), s.nextOffset(), s.sizeInBytes(), why);
            s.addSuffix(SegmentFiles.DELETED);
        }
        ctx.io().fsyncDirectory(dir);
        scheduleDelete(victims);
    }

    /** See {@link PartitionLog#replaceSegments}. Under maintenanceLock. */
    void replace(List<LogSegment> replaced, LogSegment cleaned) throws IOException {
        segments.put(cleaned.baseOffset(), cleaned);
        for (LogSegment s : replaced) {
            if (s.baseOffset() != cleaned.baseOffset()) {
                segments.remove(s.baseOffset());
            }
            s.addSuffix(SegmentFiles.DELETED);
        }
        ctx.io().fsyncDirectory(dir);
        cleaned.renameToPlain();
        ctx.io().fsyncDirectory(dir);
        scheduleDelete(replaced);
    }

    private void scheduleDelete(Collection<LogSegment> victims) {
        List<LogSegment> copy = List.copyOf(victims);
        Runnable delete = () -> {
            for (LogSegment s : copy) {
                try {
                    s.closeAndDelete();
                } catch (IOException e) {
                    LOG.warn("{}-{}: could not delete {}: {}", topic, partition, s.logPath(), e.toString());
                }
            }
            try {
                ctx.io().fsyncDirectory(dir);
            } catch (IOException e) {
                LOG.debug("{}-{}: fsync of {} after deletion failed: {}", topic, partition, dir, e.toString());
            }
        };
        long delay = config.get().fileDeleteDelayMs();
        try {
            ctx.maintenanceExecutor().schedule(delete, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            delete.run(); // shutting down: a later start removes .deleted files anyway
        }
    }
}
