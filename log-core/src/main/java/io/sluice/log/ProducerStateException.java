package io.sluice.log;

/**
 * An idempotent producer's batch does not fit the state the log keeps for it; nothing was written.
 * The server answers {@link Kind#OUT_OF_ORDER_SEQUENCE} with Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER and
 * {@link Kind#INVALID_PRODUCER_EPOCH} with INVALID_PRODUCER_EPOCH.
 */
public final class ProducerStateException extends LogException {
    private static final long serialVersionUID = 1L;

    public enum Kind { OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH }

    private final Kind kind;

    public ProducerStateException(String topic, int partition, Kind kind, String detail) {
        super(topic, partition, kind + " for " + where(topic, partition) + ": " + detail);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
