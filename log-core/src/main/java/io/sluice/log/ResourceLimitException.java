package io.sluice.log;

/**
 * The log refused work that would exhaust a resource of the process (file descriptors) before it started
 * any of it: nothing was created. Raising the limit, or asking for less, makes the same request succeed.
 */
public final class ResourceLimitException extends LogException {
    private static final long serialVersionUID = 1L;

    public ResourceLimitException(String topic, int partition, String message) {
        super(topic, partition, message);
    }
}
