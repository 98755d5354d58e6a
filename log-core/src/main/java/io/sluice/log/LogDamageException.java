package io.sluice.log;

/**
 * A read at offsets the log can no longer serve (see {@link DamagedRange}). The Kafka-protocol server
 * answers it KAFKA_STORAGE_ERROR, so that a consumer stops there and retries instead of resetting past
 * the hole; an operator repairs or deletes the partition.
 */
public final class LogDamageException extends LogException {
    private static final long serialVersionUID = 1L;
    private final DamagedRange range;

    public LogDamageException(String topic, int partition, DamagedRange range) {
        super(topic, partition, "offsets [" + range.from() + ", " + range.to() + ") of " + where(topic, partition)
                + " are damaged and cannot be read: " + range.reason());
        this.range = range;
    }

    public DamagedRange range() {
        return range;
    }
}
