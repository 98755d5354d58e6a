package io.sluice.log;

/** An append was refused because a record batch is not acceptable; nothing of the append was written. */
public final class InvalidBatchException extends LogException {
    private static final long serialVersionUID = 1L;

    /** Why a batch was refused. The Kafka-protocol server maps each to the error Kafka gives. */
    public enum Reason {
        /** Magic byte other than 2 (Kafka v2 record batches only). */
        UNSUPPORTED_MAGIC,
        /** CRC mismatch or a header that cannot be parsed. */
        CORRUPT,
        /** The batch's declared size disagrees with the bytes received, or the buffer holds a partial batch. */
        INVALID_SIZE,
        /** A single batch is larger than the topic's {@code max.message.bytes}. */
        TOO_LARGE,
        /** The batch holds no records, or its record count disagrees with its offset delta. */
        INVALID_RECORD_COUNT,
        /** A record without a key on a compacted topic. */
        MISSING_KEY,
        /** Transactional and control batches are not accepted (transactions are out of scope). */
        UNSUPPORTED_TRANSACTION
    }

    private final Reason reason;

    public InvalidBatchException(String topic, int partition, Reason reason, String detail) {
        super(topic, partition, "refused batch for " + where(topic, partition) + ": " + reason + ": " + detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
