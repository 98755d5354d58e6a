package io.sluice.log;

import io.sluice.log.internals.LogSegment;
import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of {@code cleanup.policy=compact} partitions: keeps the latest record of every key and
 * drops tombstones once {@code delete.retention.ms} has passed since the cleaning that first saw them
 * (the batch's delete horizon, as in Kafka).
 *
 * <p>Only inactive segments wholly below the high watermark are cleaned; offsets are never renumbered.
 * Consecutive segments are cleaned in groups no larger than one segment; each group is rewritten into
 * {@code <base>.log.cleaned} (with indexes), fsynced, renamed to {@code .swap} (the data file last: the
 * commit point), and then swapped in. The last batch of each group is kept, emptied if need be, so that
 * the swapped segment covers exactly the group's offsets and recovery knows which old segments it replaces.
 *
 * <p>Keys are compared by their MD5 digest, as Kafka's cleaner does. One cleaning at a time per partition
 * (the partition's maintenance lock).
 */
final class LogCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);
    private static final int READ_CHUNK = 1 << 20;

    /** Called at each step of a swap; tests throw from it to simulate a crash at that point. */
    interface SwapObserver {
        void reached(String step) throws IOException;
    }

    static final String CLEANED_WRITTEN = "cleaned-written";
    static final String SWAP_COMMITTED = "swap-committed";

    private final SwapObserver observer;

    LogCleaner() {
        this(step -> { });
    }

    LogCleaner(SwapObserver observer) {
        this.observer = observer;
    }

    /** Cleans {@code log} if it is compacted and dirty enough (or {@code force}); returns records removed. */
    long clean(PartitionLog log, boolean force) throws IOException {
        TopicConfig cfg = log.config();
        if (!cfg.compact()) {
            return 0;
        }
        log.maintenanceLock.lock();
        try {
            List<LogSegment> segments = log.maintainableSegments();
            if (segments.isEmpty()) {
                return 0;
            }
            long total = 0;
            long dirty = 0;
            for (LogSegment s : segments) {
                total += s.sizeInBytes();
                if (s.nextOffset() > log.cleanedUpTo) {
                    dirty += s.sizeInBytes();
                }
            }
            if (!force && (total == 0 || (double) dirty / total < cfg.minCleanableDirtyRatio() || dirty == 0)) {
                return 0;
            }
            Map<Key, Long> latest = buildOffsetMap(segments);
            long now = log.context().time().milliseconds();
            long removed = 0;
            for (List<LogSegment> group : groups(segments, cfg.segmentBytes())) {
                removed += cleanGroup(log, group, latest, now, cfg);
            }
            log.cleanedUpTo = segments.get(segments.size() - 1).nextOffset();
            return removed;
        } finally {
            log.maintenanceLock.unlock();
        }
    }

    private long cleanGroup(PartitionLog log, List<LogSegment> group, Map<Key, Long> latest, long now, TopicConfig cfg)
            throws IOException {
        long base = group.get(0).baseOffset();
        long groupLast = group.get(group.size() - 1).nextOffset() - 1;
        var ctx = log.context();
        LogSegment cleaned = LogSegment.open(ctx.io(), log.dir(), base, cfg.indexIntervalBytes(), cfg.maxIndexEntries(1),
                now, SegmentFiles.CLEANED);
        MemoryRecords.RecordFilter filter = new MemoryRecords.RecordFilter(now, cfg.deleteRetentionMs()) {
            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                return new BatchRetentionResult(batch.lastOffset() == groupLast
                        ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY, false);
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                if (!record.hasKey()) {
                    return false; // written before the topic became compacted; Kafka's cleaner drops these too
                }
                Long newest = latest.get(Key.of(record.key()));
                if (newest != null && newest != record.offset()) {
                    return false;
                }
                if (!record.hasValue()) {
                    // A tombstone lives until the delete horizon set by the first cleaning that saw it.
                    return batch.deleteHorizonMs().isEmpty() || batch.deleteHorizonMs().getAsLong() > currentTime;
                }
                return true;
            }
        };
        long read = 0;
        long kept = 0;
        try {
            ByteBuffer out = ByteBuffer.allocate(READ_CHUNK);
            for (LogSegment s : group) {
                List<FileChannelRecordBatch> chunk = new ArrayList<>();
                int chunkBytes = 0;
                for (FileChannelRecordBatch b : s.records().batches()) {
                    if (!chunk.isEmpty() && chunkBytes + b.sizeInBytes() > READ_CHUNK) {
                        long[] rk = filterChunk(log, s, chunk, chunkBytes, filter, out, cleaned);
                        read += rk[0];
                        kept += rk[1];
                        chunk.clear();
                        chunkBytes = 0;
                    }
                    chunk.add(b);
                    chunkBytes += b.sizeInBytes();
                }
                if (!chunk.isEmpty()) {
                    long[] rk = filterChunk(log, s, chunk, chunkBytes, filter, out, cleaned);
                    read += rk[0];
                    kept += rk[1];
                }
            }
            cleaned.seal();
            cleaned.flush();
            observer.reached(CLEANED_WRITTEN);
            cleaned.replaceSuffix(SegmentFiles.CLEANED, SegmentFiles.SWAP);
            ctx.io().fsyncDirectory(log.dir());
        } catch (IOException | RuntimeException e) {
            cleaned.closeAndDelete();
            throw e;
        }
        observer.reached(SWAP_COMMITTED);
        log.replaceSegments(group, cleaned);
        LOG.info("{}-{}: compacted offsets [{}, {}]: {} of {} records kept", log.topic(), log.partition(), base,
                groupLast, kept, read);
        return read - kept;
    }

    /** Filters one chunk of whole batches into {@code cleaned}; returns {read, kept} record counts. */
    private static long[] filterChunk(PartitionLog log, LogSegment s, List<FileChannelRecordBatch> chunk, int bytes,
                                      MemoryRecords.RecordFilter filter, ByteBuffer out, LogSegment cleaned)
            throws IOException {
        ByteBuffer in = ByteBuffer.allocate(bytes);
        s.records().readInto(in, chunk.get(0).position());
        MemoryRecords records = MemoryRecords.readableRecords(in);
        out.clear();
        MemoryRecords.FilterResult result = records.filterTo(log.topicPartition(), filter, out,
                Math.max(bytes, READ_CHUNK), BufferSupplier.NO_CACHING);
        ByteBuffer filtered = result.outputBuffer();
        filtered.flip();
        if (filtered.hasRemaining()) {
            cleaned.append(MemoryRecords.readableRecords(filtered));
        }
        return new long[] {result.messagesRead(), result.messagesRetained()};
    }

    private static Map<Key, Long> buildOffsetMap(List<LogSegment> segments) throws IOException {
        Map<Key, Long> latest = new HashMap<>();
        for (LogSegment s : segments) {
            for (FileChannelRecordBatch batch : s.records().batches()) {
                try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                    while (it.hasNext()) {
                        Record r = it.next();
                        if (r.hasKey()) {
                            latest.put(Key.of(r.key()), r.offset());
                        }
                    }
                }
            }
        }
        return latest;
    }

    /** Consecutive segments whose total size fits one segment and whose offsets fit relative indexes. */
    private static List<List<LogSegment>> groups(List<LogSegment> segments, int maxBytes) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> current = new ArrayList<>();
        long bytes = 0;
        for (LogSegment s : segments) {
            boolean fits = current.isEmpty() || (bytes + s.sizeInBytes() <= maxBytes
                    && s.nextOffset() - 1 - current.get(0).baseOffset() <= Integer.MAX_VALUE);
            if (!fits) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(s);
            bytes += s.sizeInBytes();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /** A key's MD5 digest (16 bytes); records without a key never reach a compacted topic. */
    private record Key(long hi, long lo) {
        static Key of(ByteBuffer key) {
            try {
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                md5.update(key.duplicate());
                ByteBuffer d = ByteBuffer.wrap(md5.digest());
                return new Key(d.getLong(), d.getLong());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
