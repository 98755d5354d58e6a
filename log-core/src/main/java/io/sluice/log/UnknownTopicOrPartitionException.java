package io.sluice.log;

/** The topic, or that partition of it, does not exist. */
public final class UnknownTopicOrPartitionException extends LogException {
    private static final long serialVersionUID = 1L;

    public UnknownTopicOrPartitionException(String topic, int partition) {
        super(topic, partition, "unknown topic or partition: " + where(topic, partition));
    }
}
