package io.sluice.log;

/** A topic or log configuration value that is unknown, malformed or out of range. */
public final class InvalidConfigException extends LogException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String topic, String message) {
        super(topic, -1, message);
    }
}
