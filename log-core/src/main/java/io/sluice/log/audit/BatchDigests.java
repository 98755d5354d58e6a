package io.sluice.log.audit;

import io.sluice.audit.RecordDigest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * The log timestamps and {@link RecordDigest}s of one batch's records, staged so that the auditor counts a batch
 * whole or not at all. An uncompressed v2 batch held in a heap buffer is walked in place: each record's key and
 * value are hashed where they lie, without a {@code Record} object or buffer slices per record (the record layout
 * is Kafka's: a varint length, an attributes byte, a varlong timestamp delta, a varint offset delta, then the key
 * and the value each as a varint length, -1 for null, and bytes; headers follow and are skipped with the length).
 * Other batches (compressed, or an older magic) go through kafka-clients' record iterator.
 *
 * <p>Not thread-safe: one per auditor, used under its lock.
 */
final class BatchDigests {
    private long[] timestamps = new long[256];
    private long[] hashes = new long[256];
    private int size;
    private long maxTimestamp;

    int size() { return size; }
    long timestamp(int i) { return timestamps[i]; }
    long hash(int i) { return hashes[i]; }
    long maxTimestamp() { return maxTimestamp; }

    /**
     * Stages the records of {@code batch} at or after offset {@code from}; {@code buffer} holds the batch at
     * {@code position} (a heap buffer, else the iterator is used). Throws without staging anything usable if the
     * batch cannot be read.
     */
    void stage(RecordBatch batch, ByteBuffer buffer, int position, long from) {
        size = 0;
        maxTimestamp = Long.MIN_VALUE;
        boolean appendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        if (batch instanceof DefaultRecordBatch v2 && batch.compressionType() == CompressionType.NONE
                && buffer.hasArray()) {
            walk(v2, buffer, position, from, appendTime);
            return;
        }
        for (Record record : batch) { // decompresses; throws before anything is counted if the batch is unreadable
            if (record.offset() >= from) {
                add(appendTime ? batch.maxTimestamp() : record.timestamp(), RecordDigest.of(record.key(), record.value()));
            }
        }
    }

    private void walk(DefaultRecordBatch batch, ByteBuffer buffer, int position, long from, boolean appendTime) {
        int end = position + batch.sizeInBytes();
        Integer count = batch.countOrNull();
        if (count == null || end > buffer.limit()) {
            throw new InvalidRecordException("batch at offset " + batch.baseOffset() + " is not whole in the read");
        }
        byte[] bytes = buffer.array();
        int base = buffer.arrayOffset();
        ByteBuffer in = buffer.duplicate();
        in.limit(end);
        in.position(position + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        long baseOffset = batch.baseOffset();
        long baseTimestamp = batch.baseTimestamp();
        for (int i = 0; i < count; i++) {
            int length = ByteUtils.readVarint(in);
            int next = in.position() + length;
            if (length < 0 || next > end) {
                throw new InvalidRecordException("record " + i + " of the batch at offset " + baseOffset
                        + " has length " + length + " past the batch's end");
            }
            in.get(); // attributes
            long timestampDelta = ByteUtils.readVarlong(in);
            int offsetDelta = ByteUtils.readVarint(in);
            int keyLength = ByteUtils.readVarint(in);
            int keyAt = in.position();
            in.position(keyAt + Math.max(0, keyLength));
            int valueLength = ByteUtils.readVarint(in);
            int valueAt = in.position();
            if (keyLength < -1 || valueLength < -1 || valueAt + Math.max(0, valueLength) > next) {
                throw new InvalidRecordException("record " + i + " of the batch at offset " + baseOffset
                        + " has key length " + keyLength + " and value length " + valueLength + " past its end");
            }
            if (baseOffset + offsetDelta >= from) {
                add(appendTime ? batch.maxTimestamp() : baseTimestamp + timestampDelta,
                        RecordDigest.of(bytes, base + keyAt, keyLength, base + valueAt, valueLength));
            }
            in.position(next);
        }
    }

    private void add(long timestamp, long hash) {
        if (size == hashes.length) {
            hashes = Arrays.copyOf(hashes, size * 2);
            timestamps = Arrays.copyOf(timestamps, size * 2);
        }
        timestamps[size] = timestamp;
        hashes[size] = hash;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        size++;
    }
}
