package io.sluice.log;

import io.sluice.log.internals.DurabilityWaiters;
import io.sluice.log.internals.LogLoader;
import io.sluice.log.internals.LogPosition;
import io.sluice.log.internals.LogSegment;
import io.sluice.log.internals.PartitionMetadata;
import io.sluice.log.internals.ProducerStateManager;
import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition of a topic: an ordered list of {@link LogSegment}s in a directory, with the append,
 * read and durability rules of the log.
 *
 * <p>Invariants:
 * <ul>
 *   <li>The high watermark is one past the last offset known to be on disk (fsynced). No read returns
 *       anything at or past it, so nothing a reader saw can be lost by a crash and then reused.</li>
 *   <li>Offsets are assigned here, densely and in order; a batch is written whole or not at all as far
 *       as any reader can tell (a torn write is past the high watermark and cut by recovery).</li>
 *   <li>The active (last) segment is never deleted, compacted or sealed while it is active.</li>
 * </ul>
 *
 * <p>Thread-safety: one appender at a time ({@code appendLock}); any number of readers without locks;
 * flushes are serialised by {@code flushLock} and never hold the append lock; retention and compaction
 * are serialised by {@code maintenanceLock}.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String topic;
    private final int partition;
    private final Path dir;
    private final LogContext ctx;
    private volatile TopicConfig config;

    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final Object flushLock = new Object();
    final ReentrantLock maintenanceLock = new ReentrantLock();

    private volatile LogPosition logEnd;
    private volatile LogPosition highWatermark;
    private volatile PartitionMetadata metadata;
    private final ProducerStateManager producers;
    private final DurabilityWaiters waiters = new DurabilityWaiters();

    // Guarded by appendLock.
    private long unflushedMessages;
    private long firstUnflushedAppendMs = -1;

    /** First offset not yet compacted; only the cleaner reads or writes it (under maintenanceLock). */
    long cleanedUpTo;

    private final FlushTrigger flushTrigger;
    private volatile long lastFlushStartMs;
    private volatile Exception failure;
    private volatile boolean closed;

    private PartitionLog(String topic, int partition, Path dir, LogContext ctx, TopicConfig config,
                         PartitionMetadata metadata, LogLoader.Loaded loaded) {
        this.topic = topic;
        this.partition = partition;
        this.dir = dir;
        this.ctx = ctx;
        this.config = config;
        this.metadata = metadata;
        this.segments = new ConcurrentSkipListMap<>(loaded.segments());
        this.producers = loaded.producerState();
        this.flushTrigger = new FlushTrigger(ctx.flushExecutor(), this::scheduledFlush);
        LogSegment active = segments.lastEntry().getValue();
        this.logEnd = new LogPosition(active.nextOffset(), active.baseOffset(), active.sizeInBytes());
        this.highWatermark = logEnd; // the loader fsynced everything it kept
    }

    /**
     * Opens (or creates, when {@code created} is given) the partition in {@code dir}.
     *
     * @param clean         the previous run shut down cleanly (skip the recovery scan)
     * @param recoveryPoint offsets below it are known to be durable
     */
    static PartitionLog open(String topic, int partition, Path dir, LogContext ctx, TopicConfig config,
                             PartitionMetadata created, boolean clean, long recoveryPoint) throws IOException {
        PartitionMetadata metadata = PartitionMetadata.read(dir);
        if (metadata == null) {
            if (created == null) {
                throw new IOException("missing " + PartitionMetadata.FILE_NAME + " in " + dir);
            }
            metadata = created;
            metadata.write(ctx.io(), dir);
        }
        // No batch-size limit in recovery: max.message.bytes may have been lowered since bigger batches were
        // accepted, and a garbage length is caught anyway (past the end of the file, or a CRC mismatch).
        LogLoader loader = new LogLoader(ctx.io(), dir, topic + "-" + partition, config.indexIntervalBytes(),
                indexBytes(config), Integer.MAX_VALUE, ctx.time().milliseconds());
        LogLoader.Loaded loaded = loader.load(metadata.logStartOffset(), recoveryPoint, clean);
        return new PartitionLog(topic, partition, dir, ctx, config, metadata, loaded);
    }

    private static int indexBytes(TopicConfig config) {
        return config.maxIndexEntries(1);
    }

    // ---------------------------------------------------------------- append

    /**
     * Validates and appends the batches in {@code records}, assigning their offsets. On success the data
     * is written but not necessarily durable; {@link #awaitDurable} tells when it is.
     *
     * @throws InvalidBatchException   a batch is corrupt, too large or otherwise refused; nothing written
     * @throws ProducerStateException  an idempotent producer's sequence or epoch does not fit
     * @throws LogStorageException     the disk failed; the partition refuses appends until reopened
     */
    public AppendResult append(MemoryRecords records) {
        long count = BatchValidator.validate(topic, partition, records, config);
        TopicConfig cfg = config;
        AppendResult result;
        boolean flushNow;
        appendLock.lock();
        try {
            ensureWritable();
            AppendResult dup = checkProducers(records);
            if (dup != null) {
                return dup;
            }
            long now = ctx.time().milliseconds();
            long next = logEnd.offset();
            long appendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME ? now : -1;
            for (MutableRecordBatch batch : records.batches()) {
                batch.setLastOffset(next + batch.lastOffset() - batch.baseOffset());
                batch.setPartitionLeaderEpoch(metadata.leaderEpoch());
                if (appendTime >= 0) {
                    batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, appendTime);
                }
                next = batch.lastOffset() + 1;
            }
            long first = logEnd.offset();
            LogSegment active = maybeRoll(records.sizeInBytes(), next - 1, now, false);
            try {
                active.append(records);
            } catch (IOException | RuntimeException e) {
                fail(e);
                throw new LogStorageException(topic, partition, "append failed: " + e.getMessage(), e);
            }
            for (MutableRecordBatch batch : records.batches()) {
                producers.update(batch);
            }
            logEnd = new LogPosition(next, active.baseOffset(), active.sizeInBytes());
            if (unflushedMessages == 0) {
                firstUnflushedAppendMs = now;
            }
            unflushedMessages += count;
            flushNow = unflushedMessages >= cfg.flushMessages();
            result = new AppendResult(first, next - 1, appendTime, false);
        } finally {
            appendLock.unlock();
        }
        if (flushNow) {
            flush(); // flush.messages reached: fsync in the appender's thread, as Kafka does
        } else {
            scheduleFlush();
        }
        return result;
    }

    private AppendResult checkProducers(MemoryRecords records) {
        Map<Long, Integer> lastSeqInAppend = new java.util.HashMap<>(2);
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.hasProducerId() && lastSeqInAppend.containsKey(batch.producerId())) {
                // A later batch of the same producer in one append must follow the earlier one directly.
                int last = lastSeqInAppend.get(batch.producerId());
                if (batch.baseSequence() != (last == Integer.MAX_VALUE ? 0 : last + 1)) {
                    throw new ProducerStateException(topic, partition, ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE,
                            "producer " + batch.producerId() + " sent sequence " + batch.baseSequence() + " after "
                                    + last + " in the same append");
                }
                lastSeqInAppend.put(batch.producerId(), batch.lastSequence());
                continue;
            }
            if (batch.hasProducerId()) {
                lastSeqInAppend.put(batch.producerId(), batch.lastSequence());
            }
            ProducerStateManager.Verdict v = producers.check(batch);
            if (v instanceof ProducerStateManager.Verdict.Duplicate d) {
                LOG.debug("{}-{}: duplicate batch of producer {} seq [{}, {}] answered with offsets [{}, {}]", topic,
                        partition, batch.producerId(), batch.baseSequence(), batch.lastSequence(),
                        d.original().firstOffset(), d.original().lastOffset());
                return new AppendResult(d.original().firstOffset(), d.original().lastOffset(),
                        config.timestampType() == TimestampType.LOG_APPEND_TIME ? d.original().maxTimestamp() : -1, true);
            }
            if (v instanceof ProducerStateManager.Verdict.Rejected r) {
                throw new ProducerStateException(topic, partition, r.fencedEpoch()
                        ? ProducerStateException.Kind.INVALID_PRODUCER_EPOCH
                        : ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE, r.reason());
            }
        }
        return null;
    }

    /** Rolls to a new active segment when the append would not fit the current one. Under appendLock. */
    private LogSegment maybeRoll(int bytes, long lastOffset, long now, boolean force) {
        LogSegment active = segments.lastEntry().getValue();
        TopicConfig cfg = config;
        boolean full = active.sizeInBytes() > cfg.segmentBytes() - bytes;
        boolean old = now - active.createdAtMs() > cfg.segmentMs();
        boolean overflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (active.isEmpty() || !(force || full || old || overflow || active.indexesFull())) {
            return active;
        }
        try {
            long base = logEnd.offset();
            active.seal();
            LogSegment next = LogSegment.open(ctx.io(), dir, base, cfg.indexIntervalBytes(), indexBytes(cfg), now);
            ctx.io().fsyncDirectory(dir);
            segments.put(base, next);
            logEnd = new LogPosition(base, base, 0); // so that a flush seals the old segment's state even if no append follows
            LOG.debug("{}-{}: rolled segment at offset {} (full={}, old={}, overflow={})", topic, partition, base,
                    full, old, overflow);
            writeProducerSnapshot(base);
            return next;
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw new LogStorageException(topic, partition, "segment roll failed: " + e.getMessage(), e);
        }
    }

    private void writeProducerSnapshot(long offset) throws IOException {
        if (!producers.producers().isEmpty()) {
            producers.writeSnapshot(ctx.io(), dir, offset);
        }
    }

    private void ensureWritable() {
        if (closed) {
            throw new LogStorageException(topic, partition, "partition is closed", null);
        }
        Exception f = failure;
        if (f != null) {
            throw new LogStorageException(topic, partition, "partition failed earlier and refuses appends until it is"
                    + " reopened: " + f.getMessage(), f);
        }
    }

    private void fail(Exception e) {
        if (failure == null) {
            failure = e;
            LOG.error("{}-{}: storage failure; refusing appends until reopened", topic, partition, e);
        }
        waiters.failAll(new LogStorageException(topic, partition, "storage failure before the data became durable", e));
    }

    // ---------------------------------------------------------------- durability

    /** Completes once {@code offset} is durable (below the high watermark); fails if the disk fails first. */
    public CompletableFuture<Void> awaitDurable(long offset) {
        CompletableFuture<Void> f = waiters.await(offset, highWatermark.offset());
        if (failure != null && !f.isDone()) {
            waiters.failAll(new LogStorageException(topic, partition, "storage failure", failure));
        }
        // Re-check: the flusher may have advanced the high watermark while we registered.
        waiters.complete(highWatermark.offset());
        return f;
    }

    /**
     * fsyncs everything appended so far and advances the high watermark to it. Returns the new high
     * watermark. Safe to call from any thread; concurrent calls are serialised.
     */
    public long flush() {
        synchronized (flushLock) {
            LogPosition target = logEnd;
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
                fail(e);
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
                    listener.accept(this);
                } catch (RuntimeException e) {
                    // The data is durable whatever a listener does; its failure must not look like a failed flush.
                    LOG.warn("{}-{}: high-watermark listener failed: {}", topic, partition, e.toString());
                }
            }
            return target.offset();
        }
    }

    /** Asks for a flush no later than the topic's policy allows. */
    private void scheduleFlush() {
        long now = ctx.time().milliseconds();
        flushTrigger.requestBy(FlushTrigger.due(config, now, lastFlushStartMs, firstUnflushedAppendMs), now);
    }

    private void scheduledFlush() {
        if (closed || failure != null) {
            return;
        }
        try {
            flush();
        } catch (LogStorageException e) {
            return;
        }
        if (logEnd.offset() > highWatermark.offset()) {
            scheduleFlush();
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads whole batches from {@code offset}, at most {@code maxBytes} unless the first batch is larger,
     * never past the high watermark. A read at the high watermark returns nothing.
     *
     * @throws OffsetOutOfRangeException below the log start offset or above the high watermark
     */
    public ReadResult read(long offset, int maxBytes) {
        LogPosition hw = highWatermark;
        long start = metadata.logStartOffset();
        if (offset < start || offset > hw.offset()) {
            throw new OffsetOutOfRangeException(topic, partition, offset, start, hw.offset());
        }
        if (offset == hw.offset()) {
            return new ReadResult(MemoryRecords.EMPTY, hw.offset(), start);
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        long from = offset;
        while (entry != null && entry.getKey() <= hw.segmentBase()) {
            LogSegment s = entry.getValue();
            int maxPosition = s.baseOffset() < hw.segmentBase() ? s.sizeInBytes() : hw.position();
            try {
                FileRecords found = s.read(from, maxBytes, maxPosition);
                if (found != null) {
                    return new ReadResult(found, hw.offset(), start);
                }
            } catch (IOException e) {
                throw new LogStorageException(topic, partition, "read at offset " + offset + " failed: " + e.getMessage(), e);
            }
            entry = segments.higherEntry(entry.getKey());
            if (entry != null) {
                from = Math.max(from, entry.getKey());
            }
        }
        return new ReadResult(MemoryRecords.EMPTY, hw.offset(), start);
    }

    /** The first offset (below the high watermark) whose record timestamp is at or after {@code timestamp}. */
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
        LogPosition hw = highWatermark;
        long start = metadata.logStartOffset();
        for (LogSegment s : segments.headMap(hw.segmentBase(), true).values()) {
            int maxPosition = s.baseOffset() < hw.segmentBase() ? s.sizeInBytes() : hw.position();
            try {
                FileRecords.TimestampAndOffset found = s.findOffsetByTimestamp(timestamp, start, maxPosition);
                if (found != null) {
                    return Optional.of(new TimestampOffset(found.timestamp, found.offset));
                }
            } catch (IOException e) {
                throw new LogStorageException(topic, partition, "timestamp search failed: " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    /** The largest record timestamp in the segments up to the high watermark's, if any record has one. */
    public java.util.OptionalLong maxTimestamp() {
        LogPosition hw = highWatermark;
        long max = RecordBatch.NO_TIMESTAMP;
        for (LogSegment s : segments.headMap(hw.segmentBase(), true).values()) {
            max = Math.max(max, s.maxTimestamp());
        }
        return max == RecordBatch.NO_TIMESTAMP ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(max);
    }

    // ---------------------------------------------------------------- state

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    public Uuid topicId() {
        return metadata.topicId();
    }

    public int leaderEpoch() {
        return metadata.leaderEpoch();
    }

    public long logStartOffset() {
        return metadata.logStartOffset();
    }

    /** One past the last durable offset; what readers may see. */
    public long highWatermark() {
        return highWatermark.offset();
    }

    /** One past the last appended offset, durable or not. */
    public long logEndOffset() {
        return logEnd.offset();
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.sizeInBytes();
        }
        return total;
    }

    public int segmentCount() {
        return segments.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    public TopicConfig config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    /** Idempotent-producer state (producer id to epoch and recent batches), for the protocol server. */
    public Map<Long, ProducerStateManager.ProducerEntry> producerState() {
        appendLock.lock();
        try {
            return Map.copyOf(producers.producers());
        } finally {
            appendLock.unlock();
        }
    }

    void updateConfig(TopicConfig config) {
        this.config = config;
    }

    /** Forces the active segment to roll (used by tests and by retention of an idle partition). */
    public void roll() {
        appendLock.lock();
        try {
            ensureWritable();
            maybeRoll(0, logEnd.offset(), ctx.time().milliseconds(), true);
        } finally {
            appendLock.unlock();
        }
    }

    // ---------------------------------------------------------------- maintenance (retention, compaction)

    /** Inactive segments wholly below the high watermark, oldest first: the ones maintenance may touch. */
    List<LogSegment> maintainableSegments() {
        LogPosition hw = highWatermark;
        List<LogSegment> out = new ArrayList<>();
        for (LogSegment s : segments.headMap(segments.lastKey(), false).values()) {
            if (s.nextOffset() <= hw.offset() && s.baseOffset() < hw.segmentBase()) {
                out.add(s);
            }
        }
        return out;
    }

    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    /**
     * Deletes the oldest segments (never the active one). The new log start offset is made durable
     * first, so a crash leaves extra data rather than a gap. Under maintenanceLock.
     */
    void deleteOldestSegments(List<LogSegment> victims, String why) throws IOException {
        if (victims.isEmpty()) {
            return;
        }
        LogSegment last = victims.get(victims.size() - 1);
        Map.Entry<Long, LogSegment> after = segments.higherEntry(last.baseOffset());
        long newStart = after.getKey();
        PartitionMetadata updated = metadata.withLogStartOffset(Math.max(metadata.logStartOffset(), newStart));
        updated.write(ctx.io(), dir);
        metadata = updated;
        for (LogSegment s : victims) {
            segments.remove(s.baseOffset());
            LOG.info("{}-{}: deleting segment {} (offsets [{}, {}), {} bytes): {}", topic, partition,
                    SegmentFiles.baseName(s.baseOffset()), s.baseOffset(), s.nextOffset(), s.sizeInBytes(), why);
            s.addSuffix(SegmentFiles.DELETED);
        }
        ctx.io().fsyncDirectory(dir);
        scheduleDelete(victims);
    }

    /**
     * Puts {@code cleaned} (files renamed to {@code .swap}, fsynced) in place of {@code replaced}. The
     * {@code .swap} data file is the commit point; recovery finishes an interrupted swap. Under
     * maintenanceLock.
     */
    void replaceSegments(List<LogSegment> replaced, LogSegment cleaned) throws IOException {
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

    LogContext context() {
        return ctx;
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
        long delay = config.fileDeleteDelayMs();
        try {
            ctx.maintenanceExecutor().schedule(delete, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            delete.run(); // shutting down: a later start removes .deleted files anyway
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Flushes, writes the closing index entries and a producer-state snapshot, and closes the files. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        maintenanceLock.lock();
        try {
            if (failure == null) {
                flush();
            }
            appendLock.lock();
            try {
                closed = true;
                if (failure == null) {
                    LogSegment active = activeSegment();
                    active.seal();
                    for (LogSegment s : segments.values()) {
                        s.flush(); // no-op unless something (data, a sealed index) is still unsynced
                    }
                    writeProducerSnapshot(logEnd.offset());
                }
                for (LogSegment s : segments.values()) {
                    s.close();
                }
            } finally {
                appendLock.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + topic + "-" + partition, e);
        } finally {
            waiters.failAll(new LogStorageException(topic, partition, "partition closed before the data became durable", null));
            maintenanceLock.unlock();
        }
    }

    /** Closes without flushing or writing anything: for deletion of the topic. */
    void closeForDelete() {
        appendLock.lock();
        try {
            closed = true;
            for (LogSegment s : segments.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    LOG.warn("closing {}: {}", s.logPath(), e.toString());
                }
            }
        } finally {
            appendLock.unlock();
        }
        waiters.failAll(new UnknownTopicOrPartitionException(topic, partition));
    }

    boolean failed() {
        return failure != null;
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topic + "-" + partition + ", start=" + logStartOffset() + ", hw=" + highWatermark()
                + ", end=" + logEndOffset() + ", segments=" + segments.size() + ")";
    }

}
