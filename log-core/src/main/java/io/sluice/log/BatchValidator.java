package io.sluice.log;

import io.sluice.log.InvalidBatchException.Reason;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks the batches of an append before anything is written: every batch must be a whole Kafka v2
 * batch with a valid CRC, no larger than {@code max.message.bytes}, holding as many records as its
 * offset delta says; on a compacted topic every record needs a key. Stateless.
 */
final class BatchValidator {
    private BatchValidator() {
    }

    /** Returns the number of records in {@code records}; throws {@link InvalidBatchException} otherwise. */
    static long validate(String topic, int partition, MemoryRecords records, TopicConfig config) {
        long count = 0;
        int consumed = 0;
        try {
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                    throw new InvalidBatchException(topic, partition, Reason.UNSUPPORTED_MAGIC,
                            "magic " + batch.magic() + " at byte " + consumed + "; only v2 record batches are accepted");
                }
                if (batch.sizeInBytes() > config.maxMessageBytes()) {
                    throw new InvalidBatchException(topic, partition, Reason.TOO_LARGE, "batch of "
                            + batch.sizeInBytes() + " bytes exceeds max.message.bytes=" + config.maxMessageBytes());
                }
                if (!batch.isValid()) {
                    throw new InvalidBatchException(topic, partition, Reason.CORRUPT, "CRC mismatch in the batch at byte "
                            + consumed + " (stored " + batch.checksum() + ")");
                }
                if (batch.isTransactional() || batch.isControlBatch()) {
                    throw new InvalidBatchException(topic, partition, Reason.UNSUPPORTED_TRANSACTION,
                            "transactional and control batches are not supported");
                }
                Integer n = batch.countOrNull();
                long delta = batch.lastOffset() - batch.baseOffset();
                if (n == null || n <= 0 || delta != n - 1) {
                    throw new InvalidBatchException(topic, partition, Reason.INVALID_RECORD_COUNT,
                            "batch declares " + n + " records but an offset delta of " + delta);
                }
                if (config.compact()) {
                    requireKeys(topic, partition, batch);
                }
                count += n;
                consumed += batch.sizeInBytes();
            }
        } catch (CorruptRecordException | InvalidRecordException e) {
            throw new InvalidBatchException(topic, partition, Reason.CORRUPT, "unparseable batch at byte " + consumed
                    + ": " + e.getMessage());
        }
        if (consumed != records.sizeInBytes()) {
            throw new InvalidBatchException(topic, partition, Reason.INVALID_SIZE, (records.sizeInBytes() - consumed)
                    + " trailing bytes after the last whole batch (a partial batch)");
        }
        if (count == 0) {
            throw new InvalidBatchException(topic, partition, Reason.INVALID_RECORD_COUNT, "no record batch in the append");
        }
        return count;
    }

    private static void requireKeys(String topic, int partition, RecordBatch batch) {
        try (CloseableIterator<Record> it = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                if (!it.next().hasKey()) {
                    throw new InvalidBatchException(topic, partition, Reason.MISSING_KEY,
                            "compacted topic cannot accept a record without a key");
                }
            }
        }
    }
}
