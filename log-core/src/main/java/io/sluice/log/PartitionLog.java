package io.sluice.log;

import io.sluice.log.internals.LogLoader;
import io.sluice.log.internals.LogPosition;
import io.sluice.log.internals.LogSegment;
import io.sluice.log.internals.PartitionMetadata;
import io.sluice.log.internals.ProducerStateManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
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
 * flushes are serialised by {@code flushLock} (in {@link HighWatermarkTracker}) and never hold the append lock; retention and compaction
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
    final ReentrantLock maintenanceLock = new ReentrantLock();

    private volatile LogPosition logEnd;
    private volatile PartitionMetadata metadata;
    private final ProducerStateManager producers;
    /** Flush policy, fsyncs, the high watermark and its waiters (flushLock lives there). */
    private final HighWatermarkTracker durability;
    private final LogReader reader;
    private final List<DamagedRange> damage;
    private final SegmentMaintenance maintenance;

    /** First offset not yet compacted; only the cleaner reads or writes it (under maintenanceLock). */
    long cleanedUpTo;

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
        LogSegment active = segments.lastEntry().getValue();
        this.logEnd = new LogPosition(active.nextOffset(), active.baseOffset(), active.sizeInBytes());
        // the loader fsynced everything it kept
        this.durability = new HighWatermarkTracker(this, ctx, segments, appendLock, logEnd);
        this.damage = loaded.damage();
        this.reader = new LogReader(topic, partition, segments, damage);
        this.maintenance = new SegmentMaintenance(this, dir, ctx, segments, this::config);
    }

    /**
     * Opens (or creates, when {@code created} is given) the partition in {@code dir}.
     *
     * @param clean         the previous run shut down cleanly (skip the recovery scan)
     * @param recoveryPoint offsets below it are known to be durable
     */
    static PartitionLog open(String topic, int partition, Path dir, LogContext ctx, TopicConfig config,
                             PartitionMetadata created, boolean clean, long recoveryPoint) throws IOException {
        PartitionMetadata metadata = PartitionRecovery.readOrCreateMetadata(dir, ctx, created);
        LogLoader.Loaded loaded = PartitionRecovery.load(topic, partition, dir, ctx, config, metadata, clean, recoveryPoint);
        return new PartitionLog(topic, partition, dir, ctx, config, metadata, loaded);
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
            AppendResult dup = AppendAssigner.checkProducers(topic, partition, producers, config, records);
            if (dup != null) {
                return dup;
            }
            long now = ctx.time().milliseconds();
            long appendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME ? now : -1;
            long next = AppendAssigner.assignOffsets(records, logEnd.offset(), metadata.leaderEpoch(), appendTime);
            long first = logEnd.offset();
            LogSegment active = maintenance.maybeRoll(records.sizeInBytes(), next - 1, now, false);
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
            flushNow = durability.recordAppend(count, now, cfg.flushMessages());
            result = new AppendResult(first, next - 1, appendTime, false);
        } finally {
            appendLock.unlock();
        }
        if (flushNow) {
            flush(); // flush.messages reached: fsync in the appender's thread, as Kafka does
        } else {
            durability.scheduleFlush();
        }
        return result;
    }



    void writeProducerSnapshot(long offset) throws IOException {
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
                    + " recovered, by itself once its directory can be written again: " + f.getMessage(), f);
        }
    }


    /** Records the first storage failure (appends are refused from then on) and fails the durability waiters. */
    void fail(Exception e) {
        if (failure == null) {
            failure = e;
            LOG.error("{}-{}: storage failure; refusing appends until it is recovered", topic, partition, e);
        }
        durability.failAll(new LogStorageException(topic, partition, "storage failure before the data became durable", e));
    }

    Exception failure() {
        return failure;
    }

    boolean isClosed() {
        return closed;
    }

    /** The append position (one past the last appended offset, with its segment and byte position). */
    LogPosition logEndPosition() {
        return logEnd;
    }

    /** Moves the append position; under appendLock (only the appender and a segment roll move it). */
    void logEndPosition(LogPosition position) {
        logEnd = position;
    }

    // ---------------------------------------------------------------- durability

    /** Completes once {@code offset} is durable (below the high watermark); fails if the disk fails first. */
    public CompletableFuture<Void> awaitDurable(long offset) {
        return durability.awaitDurable(offset);
    }

    /**
     * fsyncs everything appended so far and advances the high watermark to it. Returns the new high
     * watermark. Safe to call from any thread; concurrent calls are serialised.
     */
    public long flush() {
        return durability.flush();
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads whole batches from {@code offset}, at most {@code maxBytes} unless the first batch is larger,
     * never past the high watermark. A read at the high watermark returns nothing.
     *
     * @throws OffsetOutOfRangeException below the log start offset or above the high watermark
     */
    public ReadResult read(long offset, int maxBytes) {
        return reader.read(offset, maxBytes, durability.highWatermark(), metadata.logStartOffset());
    }

    /** The first offset (below the high watermark) whose record timestamp is at or after {@code timestamp}. */
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
        return reader.offsetForTimestamp(timestamp, durability.highWatermark(), metadata.logStartOffset());
    }

    /** The largest record timestamp in the segments up to the high watermark's, if any record has one. */
    public java.util.OptionalLong maxTimestamp() {
        return reader.maxTimestamp(durability.highWatermark());
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

    /** Offsets this partition should hold and cannot serve, found when it was opened; empty when sound. */
    public List<DamagedRange> damage() {
        return damage;
    }

    /** One past the last durable offset; what readers may see. */
    public long highWatermark() {
        return durability.highWatermark().offset();
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
            maintenance.maybeRoll(0, logEnd.offset(), ctx.time().milliseconds(), true);
        } finally {
            appendLock.unlock();
        }
    }

    // ---------------------------------------------------------------- maintenance (retention, compaction)

    /** Inactive segments wholly below the high watermark, oldest first: the ones maintenance may touch. */
    List<LogSegment> maintainableSegments() {
        return maintenance.maintainable(durability.highWatermark());
    }

    /** Forgets idempotent producers silent for {@code expirationMs} (see ProducerStateManager#removeExpired). */
    int expireProducers(long nowMs, long expirationMs) {
        appendLock.lock();
        try {
            int removed = producers.removeExpired(nowMs, expirationMs);
            if (removed > 0) {
                LOG.info("{}-{}: forgot {} idempotent producer(s) silent for {} ms (producer.id.expiration.ms)",
                        topic, partition, removed, expirationMs);
            }
            return removed;
        } finally {
            appendLock.unlock();
        }
    }

    /** Idempotent producers whose state is kept. */
    int producerCount() {
        appendLock.lock();
        try {
            return producers.producers().size();
        } finally {
            appendLock.unlock();
        }
    }

    /** Every segment, oldest first: for {@link PartitionVerifier}, on a log no one writes to. */
    List<LogSegment> segmentsForVerification() {
        return List.copyOf(segments.values());
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
        maintenance.removeOldest(victims, why);
    }

    /**
     * Puts {@code cleaned} (files renamed to {@code .swap}, fsynced) in place of {@code replaced}. The
     * {@code .swap} data file is the commit point; recovery finishes an interrupted swap. Under
     * maintenanceLock.
     */
    void replaceSegments(List<LogSegment> replaced, LogSegment cleaned) throws IOException {
        maintenance.replace(replaced, cleaned);
    }

    LogContext context() {
        return ctx;
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
            durability.failAll(new LogStorageException(topic, partition, "partition closed before the data became durable", null));
            maintenanceLock.unlock();
        }
    }

    /** Closes without flushing or writing anything: for deletion of the topic. */
    void closeForDelete() {
        retire();
        closeFiles();
    }

    /**
     * Refuses appends from now on and fails whoever waits for durability, but leaves the files open: a
     * zero-copy fetch response already being sent from them completes. {@link #closeFiles} closes them when
     * the topic's files are deleted (file.delete.delay.ms later).
     */
    void retire() {
        appendLock.lock();
        try {
            closed = true;
        } finally {
            appendLock.unlock();
        }
        durability.failAll(new UnknownTopicOrPartitionException(topic, partition));
    }

    /** Closes every segment's files (after {@link #retire}). */
    void closeFiles() {
        appendLock.lock();
        try {
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