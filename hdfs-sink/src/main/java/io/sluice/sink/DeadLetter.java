package io.sluice.sink;

import java.io.Serializable;
import java.util.Objects;

/**
 * A record the pipeline could not turn into a row: undecodable (bad magic byte, unknown schema id,
 * corrupt Avro) or refused by a user transform. It is kept whole, with where it came from and why,
 * and committed to the dead-letter table together with the rows of the same offset range, so it is
 * neither lost nor counted twice.
 */
public final class DeadLetter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final byte[] rawKey;
    private final byte[] rawValue;
    private final String reason;
    private final String errorClass;

    public DeadLetter(String topic, int partition, long offset, long timestamp, byte[] rawKey, byte[] rawValue,
                      String reason, String errorClass) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.rawKey = rawKey;
        this.rawValue = rawValue;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
    }

    public String topic() { return topic; }
    public int partition() { return partition; }
    public long offset() { return offset; }
    public long timestamp() { return timestamp; }
    public byte[] rawKey() { return rawKey; }
    public byte[] rawValue() { return rawValue; }
    /** A sentence a person can act on: what was wrong with the record. */
    public String reason() { return reason; }
    /** The simple name of the exception that refused the record. */
    public String errorClass() { return errorClass; }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " dead letter: " + errorClass + ": " + reason;
    }
}
