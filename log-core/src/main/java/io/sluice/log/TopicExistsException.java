package io.sluice.log;

/** A topic of that name already exists. */
public final class TopicExistsException extends LogException {
    private static final long serialVersionUID = 1L;

    public TopicExistsException(String topic) {
        super(topic, -1, "topic already exists: " + topic);
    }
}
