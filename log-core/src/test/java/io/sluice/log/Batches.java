package io.sluice.log;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/** Builds record batches as a Kafka producer would send them (base offset 0, CreateTime). */
public final class Batches {
    private Batches() {
    }

    /** One batch of {@code values} (UTF-8, no key) all stamped {@code timestamp}. */
    public static MemoryRecords of(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** One batch of keyed records: keys[i] -> values[i] (a null value is a tombstone). */
    public static MemoryRecords keyed(long timestamp, String[] keys, String[] values) {
        SimpleRecord[] records = new SimpleRecord[keys.length];
        for (int i = 0; i < keys.length; i++) {
            records[i] = new SimpleRecord(timestamp, keys[i].getBytes(StandardCharsets.UTF_8),
                    values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** One batch with a timestamp per record. */
    public static MemoryRecords timed(long[] timestamps, String prefix) {
        SimpleRecord[] records = new SimpleRecord[timestamps.length];
        for (int i = 0; i < timestamps.length; i++) {
            records[i] = new SimpleRecord(timestamps[i], null, (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** An idempotent producer's batch. */
    public static MemoryRecords idempotent(long producerId, short epoch, int baseSequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1000L, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(RecordBatch.CURRENT_MAGIC_VALUE, 0L, Compression.NONE, producerId, epoch,
                baseSequence, -1, records);
    }

    /** {@code count} records of {@code size} bytes each in one batch, optionally compressed. */
    public static MemoryRecords sized(int count, int size, long timestamp, Compression compression) {
        MemoryRecordsBuilder b = MemoryRecords.builder(java.nio.ByteBuffer.allocate(count * (size + 64) + 128),
                RecordBatch.CURRENT_MAGIC_VALUE, compression, TimestampType.CREATE_TIME, 0L);
        byte[] value = new byte[size];
        for (int i = 0; i < count; i++) {
            value[i % size] = (byte) i;
            b.append(timestamp, null, value);
        }
        return b.build();
    }
}
