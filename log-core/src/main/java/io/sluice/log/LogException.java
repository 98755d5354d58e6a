package io.sluice.log;

/**
 * Base of every error the log raises. Carries the topic and partition it concerns (partition is -1 for a
 * topic-level error) so that a caller can map it to a protocol error without parsing messages.
 */
public class LogException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final int partition;

    public LogException(String topic, int partition, String message) {
        super(message);
        this.topic = topic;
        this.partition = partition;
    }

    public LogException(String topic, int partition, String message, Throwable cause) {
        super(message, cause);
        this.topic = topic;
        this.partition = partition;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    static String where(String topic, int partition) {
        return partition < 0 ? topic : topic + "-" + partition;
    }
}
