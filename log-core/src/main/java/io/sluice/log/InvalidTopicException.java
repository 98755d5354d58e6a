package io.sluice.log;

/** A topic name that Kafka would not accept, or a partition count that is not positive. */
public final class InvalidTopicException extends LogException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String topic, String message) {
        super(topic, -1, message);
    }
}
