package io.sluice.registry.client;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value (or key) is not a readable Confluent-framed Avro payload. The subclass, and {@link #reason()}, say
 * which case it was, so that a pipeline can route the record to a dead-letter table instead of retrying: retrying
 * cannot fix any of these. (A registry that cannot be reached is a plain {@link SerializationException} caused by a
 * {@link SchemaRegistryException}, not one of these: that one is worth retrying.)
 */
public abstract class InvalidPayloadException extends SerializationException {
    private static final long serialVersionUID = 1L;

    public enum Reason { UNKNOWN_MAGIC_BYTE, UNKNOWN_SCHEMA_ID, TRUNCATED, CORRUPT_AVRO }

    private final Reason reason;

    protected InvalidPayloadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
