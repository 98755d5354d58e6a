package io.sluice.sink;

import java.io.Serializable;
import java.util.Objects;

/**
 * One record on its way into a table: where it came from in the log, which event-time partition it
 * belongs to, and its Avro body still encoded. Records travel to the writer as (schema id, bytes), so
 * the writer never needs a schema fixed when the pipeline was built, and the raw key and value are still
 * at hand when the commit happens (the audit digests them there).
 *
 * <p>{@code body} is the Avro binary encoding of the row under the writer schema {@code schemaId}; when it
 * is {@code null} the body is {@code rawValue} after its 5-byte registry header (the common case: no
 * transform touched the record, so it is not copied).
 */
public final class SinkRecord implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int REGISTRY_HEADER_SIZE = 5;

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final long eventTime;
    private final String partitionPath;
    private final int schemaId;
    private final byte[] rawKey;
    private final byte[] rawValue;
    private final byte[] body;

    public SinkRecord(String topic, int partition, long offset, long timestamp, long eventTime,
                      String partitionPath, int schemaId, byte[] rawKey, byte[] rawValue, byte[] body) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.eventTime = eventTime;
        this.partitionPath = Objects.requireNonNull(partitionPath, "partitionPath");
        this.schemaId = schemaId;
        this.rawKey = rawKey;
        this.rawValue = rawValue;
        this.body = body;
        if (body == null && (rawValue == null || rawValue.length < REGISTRY_HEADER_SIZE)) {
            throw new IllegalArgumentException("record " + topic + "-" + partition + "@" + offset
                    + " has no body and its raw value is too short to hold one");
        }
    }

    public String topic() { return topic; }
    public int partition() { return partition; }
    /** The record's offset in its source partition. */
    public long offset() { return offset; }
    /** The timestamp stored in the log (create or append time). */
    public long timestamp() { return timestamp; }
    /** The event time the table partitions by (the log timestamp unless the table names a field). */
    public long eventTime() { return eventTime; }
    /** The partition directory relative to the table root, for example {@code dt=2026-11-25/hr=13}. */
    public String partitionPath() { return partitionPath; }
    public int schemaId() { return schemaId; }
    public byte[] rawKey() { return rawKey; }
    public byte[] rawValue() { return rawValue; }
    /** The explicit body, or {@code null} when the body is the raw value's tail. */
    public byte[] explicitBody() { return body; }

    public int bodyOffset() { return body != null ? 0 : REGISTRY_HEADER_SIZE; }
    public int bodyLength() { return body != null ? body.length : rawValue.length - REGISTRY_HEADER_SIZE; }
    public byte[] bodyArray() { return body != null ? body : rawValue; }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " -> " + partitionPath + " (schema " + schemaId + ")";
    }
}
