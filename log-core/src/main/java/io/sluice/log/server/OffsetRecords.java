package io.sluice.log.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;

/**
 * The record format of {@code __consumer_offsets}: Kafka's own layout of offset commit records, so the
 * topic reads like a Kafka broker's. Strings are an int16 byte length followed by UTF-8 bytes.
 *
 * <pre>
 *   key   (OffsetCommitKey v1):   int16 version = 1 | string group | string topic | int32 partition
 *   value (OffsetCommitValue v3): int16 version = 3 | int64 offset | int32 leaderEpoch | string metadata
 *                                 | int64 commitTimestamp
 *   a null value (tombstone):     the group's offset for that partition was deleted
 * </pre>
 *
 * Decoding also accepts key version 0 (same layout) and value versions 0 to 2 (Kafka's older values:
 * v0 offset, metadata, timestamp; v1 adds an expire timestamp; v2 drops it). Group metadata records (key
 * version 2) are not written: membership is not kept across restarts, members simply rejoin. Stateless.
 */
final class OffsetRecords {
    static final short KEY_VERSION = 1;
    static final short VALUE_VERSION = 3;

    private OffsetRecords() {
    }

    record Key(String group, TopicPartition partition) {
    }

    static byte[] key(String group, TopicPartition tp) {
        byte[] g = utf8(group);
        byte[] t = utf8(tp.topic());
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4);
        b.putShort(KEY_VERSION);
        putString(b, g);
        putString(b, t);
        b.putInt(tp.partition());
        return b.array();
    }

    static byte[] value(CommittedOffset o) {
        byte[] m = utf8(o.metadata());
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + 2 + m.length + 8);
        b.putShort(VALUE_VERSION);
        b.putLong(o.offset());
        b.putInt(o.leaderEpoch());
        putString(b, m);
        b.putLong(o.commitTimestampMs());
        return b.array();
    }

    /** The key, or null if it is not an offset commit key (another record type, or not ours). */
    static Key readKey(ByteBuffer b) {
        try {
            short version = b.getShort();
            if (version != 0 && version != 1) {
                return null;
            }
            String group = getString(b);
            String topic = getString(b);
            return new Key(group, new TopicPartition(topic, b.getInt()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The value, or null if it cannot be read. */
    static CommittedOffset readValue(ByteBuffer b) {
        try {
            short version = b.getShort();
            return switch (version) {
                case 0, 1, 2 -> { // v1's trailing expire timestamp is ignored
                    long offset = b.getLong();
                    String metadata = getString(b);
                    yield new CommittedOffset(offset, -1, metadata, b.getLong());
                }
                case 3 -> {
                    long offset = b.getLong();
                    int epoch = b.getInt();
                    String metadata = getString(b);
                    yield new CommittedOffset(offset, epoch, metadata, b.getLong());
                }
                default -> null;
            };
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] utf8(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long for the record");
        }
        return bytes;
    }

    private static void putString(ByteBuffer b, byte[] s) {
        b.putShort((short) s.length);
        b.put(s);
    }

    private static String getString(ByteBuffer b) {
        short len = b.getShort();
        if (len < 0) {
            return "";
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
