package io.sluice.registry.client;

/** Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro binary body. */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** Subject naming by topic (Confluent's TopicNameStrategy): {@code <topic>-key} or {@code <topic>-value}. */
    public static String subjectFor(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
