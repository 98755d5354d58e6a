package io.sluice.log.internals;

import io.sluice.log.DamagedRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory and brings it to a consistent state, in numbered passes:
 * <ol>
 *   <li>delete leftovers that never became part of the log: {@code .cleaned} and {@code .tmp} files,
 *       and finish deletions ({@code .deleted});</li>
 *   <li>finish compaction swaps: a {@code .log.swap} file is the commit point of a swap, so the plain
 *       segments whose offsets it covers are deleted and it takes their place; index {@code .swap}
 *       files without a {@code .log.swap} are undone;</li>
 *   <li>open every segment; index files without a data file are deleted;</li>
 *   <li>after an unclean stop, recover every segment from the one holding the last offset below the
 *       recovery point (its indexes may not be durable, see {@link #recover}): validate
 *       batch by batch, truncate at the first torn or corrupt batch (or a segment that ends short of the
 *       next one) and drop every later segment, and rebuild the indexes; after a clean stop only check
 *       the indexes (rebuilding bad or missing ones);</li>
 *   <li>fsync what was recovered, so that the whole log is durable and the high watermark may equal the
 *       log end;</li>
 *   <li>rebuild idempotent-producer state from the latest snapshot plus a replay of the batches after it.</li>
 * </ol>
 */
public final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    /** What was loaded: segments by base offset (the last is active) and the rebuilt producer state. */
    public record Loaded(NavigableMap<Long, LogSegment> segments, ProducerStateManager producerState,
                         long truncatedBytes, List<DamagedRange> damage) {
    }

    private final FileIO io;
    private final Path dir;
    private final String name;
    private final int indexIntervalBytes;
    private final int indexBytes;
    private final int maxBatchBytes;
    private final long nowMs;

    public LogLoader(FileIO io, Path dir, String name, int indexIntervalBytes, int indexBytes, int maxBatchBytes,
                     long nowMs) {
        this.io = io;
        this.dir = dir;
        this.name = name;
        this.indexIntervalBytes = indexIntervalBytes;
        this.indexBytes = indexBytes;
        this.maxBatchBytes = maxBatchBytes;
        this.nowMs = nowMs;
    }

    /**
     * @param logStartOffset from the partition metadata
     * @param recoveryPoint  every offset below it is known to be on disk; ignored when {@code clean}
     * @param clean          the previous run shut down cleanly
     */
    public Loaded load(long logStartOffset, long recoveryPoint, boolean clean) throws IOException {
        removeLeftovers();
        completeSwaps();
        NavigableMap<Long, LogSegment> segments = openSegments();
        long truncated = 0;
        if (segments.isEmpty()) {
            segments.put(logStartOffset, newSegment(logStartOffset));
            io.fsyncDirectory(dir);
        } else if (clean) {
            for (LogSegment s : segments.values()) {
                s.load();
            }
        } else {
            truncated = recover(segments, recoveryPoint);
        }
        LogSegment active = segments.lastEntry().getValue();
        if (active.nextOffset() < logStartOffset) {
            LOG.error("{}: log end offset {} is below the log start offset {}; starting an empty log at {}",
                    name, active.nextOffset(), logStartOffset, logStartOffset);
            for (LogSegment s : segments.values()) {
                s.closeAndDelete();
            }
            segments.clear();
            segments.put(logStartOffset, newSegment(logStartOffset));
            io.fsyncDirectory(dir);
        }
        List<DamagedRange> damage = findDamage(segments, logStartOffset, recoveryPoint);
        for (LogSegment s : segments.headMap(segments.lastKey(), false).values()) {
            s.seal();
            s.flush();
        }
        ProducerStateManager producers = rebuildProducerState(segments, logStartOffset);
        return new Loaded(segments, producers, truncated, damage);
    }

    /**
     * The offsets the log should hold and cannot serve, checked on every open (cheap: it uses what loading
     * found): segments must follow each other without a gap from the log start (the cleaner keeps each
     * group's last batch, so compacted segments are contiguous too), every segment must end with a whole
     * batch, and the log must reach the recovery point, below which every offset was durable. Each range is
     * reported at ERROR. When the log ends short of the recovery point, a new empty segment starts at the
     * recovery point, so that new appends never reuse offsets that consumers may already have read.
     */
    private List<DamagedRange> findDamage(NavigableMap<Long, LogSegment> segments, long logStartOffset,
                                          long recoveryPoint) throws IOException {
        List<DamagedRange> damage = new ArrayList<>();
        long expected = logStartOffset;
        String shortTail = null;
        for (LogSegment s : segments.values()) {
            if (s.baseOffset() > expected && s.nextOffset() > logStartOffset) {
                damage.add(new DamagedRange(expected, s.baseOffset(), shortTail != null ? shortTail
                        : "no segment holds them: a segment file before " + s.logPath().getFileName() + " is missing"));
            }
            shortTail = s.bytesAfterLastWholeBatch() == 0 ? null : s.logPath().getFileName() + " ends "
                    + s.bytesAfterLastWholeBatch() + " bytes after its last whole batch (offset " + (s.nextOffset() - 1)
                    + "): the file was cut inside a batch or a batch length is damaged";
            expected = Math.max(expected, s.nextOffset());
        }
        if (recoveryPoint > expected) {
            damage.add(new DamagedRange(expected, recoveryPoint, shortTail != null ? shortTail
                    : "the log ends at " + expected + " but every offset below " + recoveryPoint
                    + " was durable (recovery point): the end of the log is missing"));
            LogSegment active = segments.lastEntry().getValue();
            active.seal();
            active.flush();
            segments.put(recoveryPoint, newSegment(recoveryPoint));
            io.fsyncDirectory(dir);
        } else if (shortTail != null) {
            LOG.error("{}: {}; the bytes after it are ignored", name, shortTail);
        }
        for (DamagedRange d : damage) {
            LOG.error("{}: offsets {} are damaged and will not be served (fetches answer KAFKA_STORAGE_ERROR)", name, d);
        }
        return List.copyOf(damage);
    }

    private long recover(NavigableMap<Long, LogSegment> segments, long recoveryPoint) throws IOException {
        // Start at the segment holding the last offset below the recovery point, not the one holding the
        // recovery point itself. The recovery point is the high watermark, and the high watermark reaches the
        // end of the active segment, whose indexes are never fsynced (recovery rebuilds them), before a roll
        // puts a new segment at that very offset; only the next flush, after the seal, fsyncs the old segment's
        // indexes and its closing time-index entry. A power loss in between leaves that segment wholly below
        // the recovery point with torn or stale indexes that still pass load()'s checks, and load() takes
        // its largest timestamp from the last time-index entry: offsetForTimestamp would skip its records.
        // Every segment before this one was sealed when a flush moved the high watermark past it, and that
        // flush fsynced its indexes.
        Long from = recoveryPoint > 0 ? segments.floorKey(recoveryPoint - 1) : null;
        if (from == null) {
            from = segments.firstKey();
        }
        for (LogSegment s : segments.headMap(from, false).values()) {
            s.load();
        }
        long truncated = 0;
        List<LogSegment> toRecover = new ArrayList<>(segments.tailMap(from, true).values());
        for (int i = 0; i < toRecover.size(); i++) {
            LogSegment s = toRecover.get(i);
            int cut = s.recover(maxBatchBytes);
            s.flush();
            truncated += cut;
            // A roll makes the next segment's file durable before the tail of this one is fsynced, so a
            // power loss can leave this segment ending short of where the next begins. Offsets in between
            // were never durable (never readable); the later segments are cut like a torn tail would be.
            boolean gap = i + 1 < toRecover.size() && s.nextOffset() < toRecover.get(i + 1).baseOffset();
            if (gap) {
                LOG.warn("{}: segment {} ends at offset {} but the next segment starts at offset {}: the offsets"
                        + " in between were lost before they became durable", name, s.logPath(), s.nextOffset(),
                        toRecover.get(i + 1).baseOffset());
            }
            if (cut > 0 || gap) {
                for (LogSegment later : toRecover.subList(i + 1, toRecover.size())) {
                    LOG.warn("{}: deleting segment {} (offsets [{}, {}), {} bytes) after the truncation point",
                            name, later.logPath(), later.baseOffset(), later.nextOffset(), later.sizeInBytes());
                    truncated += later.sizeInBytes();
                    segments.remove(later.baseOffset());
                    later.closeAndDelete();
                }
                io.fsyncDirectory(dir);
                break;
            }
        }
        if (truncated > 0) {
            LOG.warn("{}: recovery cut {} bytes; log end offset is now {}", name, truncated,
                    segments.lastEntry().getValue().nextOffset());
        }
        return truncated;
    }

    private void removeLeftovers() throws IOException {
        boolean changed = false;
        for (Path p : list()) {
            String n = p.getFileName().toString();
            if (n.endsWith(SegmentFiles.CLEANED) || n.endsWith(".tmp") || n.endsWith(SegmentFiles.DELETED)) {
                LOG.info("{}: removing leftover {}", name, p);
                io.deleteIfExists(p);
                changed = true;
            }
        }
        if (changed) {
            io.fsyncDirectory(dir);
        }
    }

    private void completeSwaps() throws IOException {
        List<Path> files = list();
        boolean changed = false;
        for (Path p : files) {
            String n = p.getFileName().toString();
            if (!n.endsWith(SegmentFiles.LOG + SegmentFiles.SWAP)) {
                continue;
            }
            long base = SegmentFiles.offsetOf(n).orElseThrow();
            LogSegment swapped = LogSegment.open(io, dir, base, indexIntervalBytes, indexBytes, nowMs, SegmentFiles.SWAP);
            swapped.rebuildIndexes();
            long end = swapped.nextOffset();
            for (Path old : files) {
                String on = old.getFileName().toString();
                OptionalLong off = SegmentFiles.offsetOf(on);
                boolean plain = on.endsWith(SegmentFiles.LOG) || on.endsWith(SegmentFiles.INDEX)
                        || on.endsWith(SegmentFiles.TIME_INDEX);
                if (plain && off.isPresent() && off.getAsLong() >= base && off.getAsLong() < end) {
                    io.deleteIfExists(old);
                }
            }
            swapped.renameToPlain();
            swapped.close();
            LOG.info("{}: completed the compaction swap of offsets [{}, {})", name, base, end);
            changed = true;
        }
        for (Path p : list()) {
            if (p.getFileName().toString().endsWith(SegmentFiles.SWAP)) {
                io.deleteIfExists(p); // an index swap whose data file never reached .swap: undo
                changed = true;
            }
        }
        if (changed) {
            io.fsyncDirectory(dir);
        }
    }

    private NavigableMap<Long, LogSegment> openSegments() throws IOException {
        NavigableMap<Long, LogSegment> segments = new TreeMap<>();
        List<Path> files = list();
        for (Path p : files) {
            String n = p.getFileName().toString();
            OptionalLong off = SegmentFiles.offsetOf(n);
            if (off.isEmpty()) {
                continue;
            }
            if (n.endsWith(SegmentFiles.LOG)) {
                segments.put(off.getAsLong(), LogSegment.open(io, dir, off.getAsLong(), indexIntervalBytes, indexBytes, nowMs));
            } else if ((n.endsWith(SegmentFiles.INDEX) || n.endsWith(SegmentFiles.TIME_INDEX))
                    && !Files.exists(SegmentFiles.log(dir, off.getAsLong()))) {
                io.deleteIfExists(p);
            }
        }
        return segments;
    }

    private ProducerStateManager rebuildProducerState(NavigableMap<Long, LogSegment> segments, long logStartOffset)
            throws IOException {
        ProducerStateManager state = new ProducerStateManager();
        long end = segments.lastEntry().getValue().nextOffset();
        OptionalLong snap = state.loadLatestSnapshot(io, dir, end);
        long from = Math.max(logStartOffset, snap.orElse(0));
        Long firstKey = segments.floorKey(from);
        for (LogSegment s : (firstKey == null ? segments : segments.tailMap(firstKey, true)).values()) {
            for (FileChannelRecordBatch batch : s.records().batches()) {
                if (batch.baseOffset() >= from && batch.hasProducerId()) {
                    state.update(batch);
                }
            }
        }
        return state;
    }

    private LogSegment newSegment(long base) throws IOException {
        return LogSegment.open(io, dir, base, indexIntervalBytes, indexBytes, nowMs);
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
