package io.sluice.log.internals;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition: a data file of Kafka v2 record batches ({@code .log}) with its sparse
 * offset index ({@code .index}) and time index ({@code .timeindex}), all named by the segment's base
 * offset.
 *
 * <pre>
 * .log: batch*                          each batch exactly as Kafka's v2 format lays it out:
 *   base offset i64 | length i32 | leader epoch i32 | magic i8 (=2) | crc u32 | attributes ... records
 *   (the CRC covers attributes to the end; base offset, length and leader epoch are outside it)
 * </pre>
 *
 * The data is the truth; the indexes are derived and rebuilt from it by {@link #recover} or
 * {@link #rebuildIndexes}.
 *
 * <p>Thread-safety: {@link #append}, {@link #flush}, {@link #recover}, {@link #seal} and renames are
 * called by the partition's single writer (or, for flush, by the flusher under the partition's flush
 * lock). Reads ({@link #read}, {@link #findOffsetByTimestamp}, getters) are lock-free and may run
 * concurrently with the writer.
 */
public final class LogSegment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogSegment.class);

    private final Path dir;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final FileIO io;
    private Path logPath;
    private final FileChannel channel;
    private final FileRecords records;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;

    private volatile long nextOffset;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long offsetOfMaxTimestamp = -1;
    private int bytesSinceLastIndexEntry;
    /** Where the last whole batch ends, as of the last load or scan; -1 when not scanned. */
    private int wholeBatchBytes = -1;
    private long createdAtMs;
    private volatile boolean sealed;
    /** Both index files were there when the segment was opened (else {@link #load} rebuilds them). */
    private final boolean indexFilesExisted;
    private boolean logDirty;

    private LogSegment(FileIO io, Path dir, Path logPath, Path indexPath, Path timeIndexPath, long baseOffset,
                       int indexIntervalBytes, int indexBytes, long nowMs) throws IOException {
        this.io = io;
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.logPath = logPath;
        this.indexFilesExisted = Files.exists(indexPath) && Files.exists(timeIndexPath);
        this.channel = io.openReadWrite(logPath, true);
        this.records = FileRecordsFactory.open(logPath.toFile(), channel);
        this.offsetIndex = new OffsetIndex(io, indexPath, baseOffset, indexBytes / OffsetIndex.ENTRY_SIZE);
        this.timeIndex = new TimeIndex(io, timeIndexPath, baseOffset, indexBytes / TimeIndex.ENTRY_SIZE);
        this.nextOffset = baseOffset;
        this.createdAtMs = nowMs;
    }

    /** Creates or opens the segment at {@code baseOffset} under its plain names. */
    public static LogSegment open(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytes,
                                  long nowMs) throws IOException {
        return open(io, dir, baseOffset, indexIntervalBytes, indexBytes, nowMs, "");
    }

    /** Creates or opens the segment whose files carry {@code suffix} (for example {@code .cleaned}). */
    public static LogSegment open(FileIO io, Path dir, long baseOffset, int indexIntervalBytes, int indexBytes,
                                  long nowMs, String suffix) throws IOException {
        return new LogSegment(io, dir,
                SegmentFiles.withSuffix(SegmentFiles.log(dir, baseOffset), suffix),
                SegmentFiles.withSuffix(SegmentFiles.index(dir, baseOffset), suffix),
                SegmentFiles.withSuffix(SegmentFiles.timeIndex(dir, baseOffset), suffix),
                baseOffset, indexIntervalBytes, indexBytes, nowMs);
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** One past the last offset in this segment ({@link #baseOffset()} when empty). */
    public long nextOffset() {
        return nextOffset;
    }

    public int sizeInBytes() {
        return records.sizeInBytes();
    }

    /** The largest record timestamp in the segment, or {@link RecordBatch#NO_TIMESTAMP}. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    public long createdAtMs() {
        return createdAtMs;
    }

    public boolean isEmpty() {
        return records.sizeInBytes() == 0;
    }

    public boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    public Path logPath() {
        return logPath;
    }

    public Path indexPath() {
        return offsetIndex.path();
    }

    public Path timeIndexPath() {
        return timeIndex.path();
    }

    public FileRecords records() {
        return records;
    }

    /**
     * Appends batches whose offsets the caller has already assigned (all at or after {@link #nextOffset()}).
     * Returns the position at which they were written.
     */
    public int append(MemoryRecords batches) throws IOException {
        int position = records.sizeInBytes();
        records.append(batches);
        logDirty = true;
        int batchPosition = position;
        long lastOffset = nextOffset - 1;
        for (RecordBatch batch : batches.batches()) {
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
            if (bytesSinceLastIndexEntry > indexIntervalBytes && !indexesFull()) {
                offsetIndex.append(batch.baseOffset(), batchPosition);
                timeIndex.maybeAppend(maxTimestamp, batch.lastOffset());
                bytesSinceLastIndexEntry = 0;
            }
            bytesSinceLastIndexEntry += batch.sizeInBytes();
            batchPosition += batch.sizeInBytes();
            lastOffset = batch.lastOffset();
        }
        nextOffset = lastOffset + 1;
        return position;
    }

    /**
     * The batches holding {@code startOffset} and after, whole batches only, at most {@code maxBytes}
     * unless the first batch alone is larger (it is then returned whole, as Kafka does), and never past
     * {@code maxPosition}. Returns null when no batch at or after {@code startOffset} lies below
     * {@code maxPosition}.
     */
    public FileRecords read(long startOffset, int maxBytes, int maxPosition) throws IOException {
        int from = offsetIndex.lookup(startOffset);
        FileRecords.LogOffsetPosition start = records.searchForOffsetWithSize(startOffset, from);
        if (start == null || start.position >= maxPosition) {
            return null;
        }
        int end = start.position + start.size;
        if (end > maxPosition) {
            return null; // the batch is past what the caller may read (not durable yet)
        }
        // Jump over the batches the offset index already vouches for (an entry is a batch start at or
        // below the limit), so that only the last few batch headers are read rather than one per batch.
        int limit = (int) Math.min(maxPosition, (long) start.position + maxBytes);
        end = Math.max(end, offsetIndex.floorPosition(limit));
        for (FileChannelRecordBatch batch : records.batchesFrom(end)) {
            int batchEnd = batch.position() + batch.sizeInBytes();
            if (batchEnd > maxPosition || batchEnd - start.position > maxBytes) {
                break;
            }
            end = batchEnd;
        }
        return records.slice(start.position, end - start.position);
    }

    /**
     * The first record at or after {@code startOffset} whose timestamp is at or after {@code target}, up
     * to {@code maxPosition}; null when there is none in this segment.
     */
    public FileRecords.TimestampAndOffset findOffsetByTimestamp(long target, long startOffset, int maxPosition)
            throws IOException {
        if (maxTimestamp < target) {
            return null;
        }
        long scanFrom = Math.max(startOffset, timeIndex.scanStartFor(target));
        int position = offsetIndex.lookup(scanFrom);
        FileRecords.TimestampAndOffset found = records.searchForTimestamp(target, position, scanFrom);
        if (found == null) {
            return null;
        }
        // The match must be durable: look up its batch position and compare with maxPosition.
        FileRecords.LogOffsetPosition where = records.searchForOffsetWithSize(found.offset, offsetIndex.lookup(found.offset));
        return where != null && where.position + where.size <= maxPosition ? found : null;
    }

    /**
     * fsyncs the data file; writes the buffered index entries, and fsyncs the indexes too once the
     * segment is sealed (an active segment's indexes are rebuilt by recovery, so they need no fsync: recovery
     * starts at the segment holding the last offset below the recovery point, see {@link LogLoader}).
     */
    public void flush() throws IOException {
        if (logDirty) {
            logDirty = false;
            channel.force(true);
        }
        if (sealed) {
            offsetIndex.flush();
            timeIndex.flush();
        } else {
            offsetIndex.writePending();
            timeIndex.writePending();
        }
    }

    /**
     * Marks the segment as no longer active: writes the closing time-index entry so that the index
     * holds the segment's largest timestamp, and lets {@link #flush} persist the indexes.
     */
    public void seal() throws IOException {
        if (maxTimestamp != RecordBatch.NO_TIMESTAMP && !isEmpty()) {
            timeIndex.maybeAppend(maxTimestamp, nextOffset - 1);
        }
        sealed = true;
    }

    public boolean isSealed() {
        return sealed;
    }

    /**
     * Loads a segment that was cleanly written: the indexes are read and checked, and rebuilt from the
     * data when missing or inconsistent. Does not validate batch CRCs (see {@link #recover}).
     */
    public void load() throws IOException {
        boolean ok = indexFilesExisted && offsetIndex.load(records.sizeInBytes());
        long next = ok ? scanNextOffset() : -1;
        if (!ok || next < 0 || !timeIndex.load(next)) {
            LOG.info("Rebuilding indexes of {} (missing or inconsistent)", logPath);
            wholeBatchBytes = scan(false);
            return;
        }
        wholeBatchBytes = records.sizeInBytes();
        nextOffset = next;
        restoreCreationTime();
        long ts = timeIndex.lastTimestamp();
        maxTimestamp = ts == Long.MIN_VALUE ? RecordBatch.NO_TIMESTAMP : ts;
        if (maxTimestamp == RecordBatch.NO_TIMESTAMP && !isEmpty()) {
            // A segment with data but no time-index entry was never sealed: derive it from the data.
            rebuildIndexes();
        }
    }

    /** Rebuilds both indexes and the in-memory state by walking every batch (no CRC checks). */
    public void rebuildIndexes() throws IOException {
        wholeBatchBytes = scan(false);
    }

    /**
     * Bytes at the end of the file after the last whole batch, as found by the last {@link #load} or index
     * rebuild: 0 for a sound segment; more when the file was cut inside a batch or a batch's length is
     * damaged, so that the offsets after the last whole batch cannot be read.
     */
    public int bytesAfterLastWholeBatch() {
        return wholeBatchBytes < 0 ? 0 : records.sizeInBytes() - wholeBatchBytes;
    }

    /**
     * Validates every batch from the start (size, magic v2, CRC, offsets increasing and at or above the
     * base offset), truncates at the first invalid or torn one, and rebuilds the indexes. Returns the
     * number of bytes truncated.
     */
    public int recover(int maxBatchBytes) throws IOException {
        int valid = scan(true, maxBatchBytes);
        wholeBatchBytes = valid;
        int truncated = records.sizeInBytes() - valid;
        if (truncated > 0) {
            LOG.warn("Truncating {} at position {}: dropping {} bytes of torn or corrupt data after offset {}",
                    logPath, valid, truncated, nextOffset - 1);
            records.truncateTo(valid);
        }
        // What a crashed process wrote may still be only in the page cache: make all that was kept durable.
        channel.force(true);
        logDirty = false;
        return truncated;
    }

    private int scan(boolean validate) throws IOException {
        return scan(validate, Integer.MAX_VALUE);
    }

    private int scan(boolean validate, int maxBatchBytes) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        nextOffset = baseOffset;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = -1;
        bytesSinceLastIndexEntry = 0;
        int validBytes = 0;
        try {
            for (FileChannelRecordBatch batch : records.batches()) {
                if (validate) {
                    if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                        // Not a v2 header (garbage): its offsets would be parsed as a legacy message set, which
                        // can throw anything, so they are not even logged.
                        LOG.warn("Invalid batch in {} at position {}: magic {}, size {}", logPath, batch.position(),
                                batch.magic(), batch.sizeInBytes());
                        break;
                    }
                    if (batch.sizeInBytes() > maxBatchBytes || batch.baseOffset() < nextOffset
                            || batch.lastOffset() < batch.baseOffset()) {
                        LOG.warn("Invalid batch in {} at position {}: size {}, offsets [{}, {}] (expected >= {})",
                                logPath, batch.position(), batch.sizeInBytes(), batch.baseOffset(),
                                batch.lastOffset(), nextOffset);
                        break;
                    }
                    batch.ensureValid();
                }
                if (batch.maxTimestamp() > maxTimestamp) {
                    maxTimestamp = batch.maxTimestamp();
                    offsetOfMaxTimestamp = batch.lastOffset();
                }
                if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull() && !timeIndex.isFull()) {
                    offsetIndex.append(batch.baseOffset(), batch.position());
                    timeIndex.maybeAppend(maxTimestamp, batch.lastOffset());
                    bytesSinceLastIndexEntry = 0;
                }
                bytesSinceLastIndexEntry += batch.sizeInBytes();
                validBytes = batch.position() + batch.sizeInBytes();
                nextOffset = batch.lastOffset() + 1;
            }
        } catch (CorruptRecordException | InvalidRecordException e) {
            LOG.warn("Corrupt batch in {} after position {}: {}", logPath, validBytes, e.getMessage());
        }
        if (sealed) {
            seal();
        }
        restoreCreationTime();
        return validBytes;
    }

    /** Walks the batches after the last offset-index entry to find the next offset. -1 if unreadable. */
    private long scanNextOffset() throws IOException {
        long next = baseOffset;
        int from = offsetIndex.entries() == 0 ? 0 : offsetIndex.lookup(Long.MAX_VALUE);
        int end = from;
        try {
            for (FileChannelRecordBatch batch : records.batchesFrom(from)) {
                next = batch.lastOffset() + 1;
                end = batch.position() + batch.sizeInBytes();
            }
        } catch (CorruptRecordException e) {
            return -1;
        }
        return end == records.sizeInBytes() ? next : -1;
    }

    /** Renames all three files by appending {@code suffix} to their current names. */
    public void addSuffix(String suffix) throws IOException {
        Path newLog = SegmentFiles.withSuffix(logPath, suffix);
        io.move(logPath, newLog);
        logPath = newLog;
        offsetIndex.renameTo(SegmentFiles.withSuffix(offsetIndex.path(), suffix));
        timeIndex.renameTo(SegmentFiles.withSuffix(timeIndex.path(), suffix));
    }

    /**
     * Renames the three files from suffix {@code from} to suffix {@code to}, the indexes first, so that
     * the data file's rename is the last step (for a swap it is the commit point).
     */
    public void replaceSuffix(String from, String to) throws IOException {
        offsetIndex.renameTo(swapSuffix(offsetIndex.path(), from, to));
        timeIndex.renameTo(swapSuffix(timeIndex.path(), from, to));
        Path newLog = swapSuffix(logPath, from, to);
        io.move(logPath, newLog);
        logPath = newLog;
    }

    private static Path swapSuffix(Path p, String from, String to) {
        String n = p.getFileName().toString();
        if (!n.endsWith(from)) {
            throw new IllegalStateException(p + " does not end with " + from);
        }
        return p.resolveSibling(n.substring(0, n.length() - from.length()) + to);
    }

    /** Renames all three files to their plain names (dropping any state suffix). */
    public void renameToPlain() throws IOException {
        Path plainLog = SegmentFiles.log(dir, baseOffset);
        if (!plainLog.equals(logPath)) {
            io.move(logPath, plainLog);
            logPath = plainLog;
        }
        Path plainIndex = SegmentFiles.index(dir, baseOffset);
        if (!plainIndex.equals(offsetIndex.path())) {
            offsetIndex.renameTo(plainIndex);
        }
        Path plainTime = SegmentFiles.timeIndex(dir, baseOffset);
        if (!plainTime.equals(timeIndex.path())) {
            timeIndex.renameTo(plainTime);
        }
    }

    /**
     * After a restart the segment's age for {@code segment.ms} counts, as in Kafka, from the timestamp of
     * its first batch (clamped to now), so that a log reopened often still rolls by age.
     */
    private void restoreCreationTime() throws IOException {
        try {
            for (FileChannelRecordBatch first : records.batches()) {
                long ts = first.maxTimestamp();
                if (ts > 0) {
                    createdAtMs = Math.min(createdAtMs, ts);
                }
                return;
            }
        } catch (CorruptRecordException e) {
            // keep the open time; recovery deals with the corruption
        }
    }

    public File file() {
        return logPath.toFile();
    }

    @Override
    public void close() throws IOException {
        try (offsetIndex; timeIndex) {
            channel.close();
        }
    }

    /** Closes and deletes the three files under their current names. */
    public void closeAndDelete() throws IOException {
        offsetIndex.closeAndDelete();
        timeIndex.closeAndDelete();
        channel.close();
        io.deleteIfExists(logPath);
    }

    @Override
    public String toString() {
        return "LogSegment(" + logPath + ", base=" + baseOffset + ", next=" + nextOffset + ", size="
                + records.sizeInBytes() + ")";
    }
}
