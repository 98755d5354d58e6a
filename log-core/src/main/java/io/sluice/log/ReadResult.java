package io.sluice.log;

import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;

/**
 * A read: whole record batches starting at or before the requested offset, never past the high
 * watermark. {@code records} is a region of a segment file ({@link FileRecords}) that can be sent
 * zero-copy, or {@link MemoryRecords#EMPTY} when there is nothing to return.
 *
 * @param records        whole batches; the first may start before the requested offset
 * @param highWatermark  one past the last durable offset at the time of the read
 * @param logStartOffset the first offset still in the log
 */
public record ReadResult(Records records, long highWatermark, long logStartOffset) {
    public boolean isEmpty() {
        return records.sizeInBytes() == 0;
    }
}
