package io.sluice.log;

import io.sluice.log.internals.LogPosition;
import io.sluice.log.internals.LogSegment;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The read path of a {@link PartitionLog}: reads and timestamp lookups, bounded by a high-watermark
 * snapshot the caller takes once per call.
 *
 * <p>Thread-safety: lock-free and safe for any number of concurrent readers (immutable; reads a concurrent map).
 */
final class LogReader {
    private final String topic;
    private final int partition;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    /** Found at open; fixed for the partition's life (see DamagedRange). */
    private final List<DamagedRange> damage;

    LogReader(String topic, int partition, ConcurrentSkipListMap<Long, LogSegment> segments, List<DamagedRange> damage) {
        this.topic = topic;
        this.partition = partition;
        this.segments = segments;
        this.damage = List.copyOf(damage);
    }

    /** Refuses a read that starts inside damage: walking on to the next segment would skip it silently. */
    private void checkNotDamaged(long offset) {
        for (DamagedRange d : damage) {
            if (d.contains(offset)) {
                throw new LogDamageException(topic, partition, d);
            }
        }
    }

    /** See {@link PartitionLog#read}; {@code hw} and {@code start} are the caller's snapshots. */
    ReadResult read(long offset, int maxBytes, LogPosition hw, long start) {
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
            checkNotDamaged(from);
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

    /** See {@link PartitionLog#offsetForTimestamp}. */
    Optional<TimestampOffset> offsetForTimestamp(long timestamp, LogPosition hw, long start) {
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

    /** See {@link PartitionLog#maxTimestamp}. */
    java.util.OptionalLong maxTimestamp(LogPosition hw) {
        long max = RecordBatch.NO_TIMESTAMP;
        for (LogSegment s : segments.headMap(hw.segmentBase(), true).values()) {
            max = Math.max(max, s.maxTimestamp());
        }
        return max == RecordBatch.NO_TIMESTAMP ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(max);
    }
}
