package io.sluice.log.audit;

import io.sluice.audit.AuditMessage;
import io.sluice.log.internals.AtomicFile;
import io.sluice.log.internals.FileIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code <dataDir>/audit.checkpoint}: how far the log tier has counted, and what it counted, written together
 * so that a restarted tier continues its cumulative counts from exactly the offsets they cover (no record
 * counted twice, none missed). Replaced atomically ({@link AtomicFile}: tmp, fsync, rename, fsync dir).
 *
 * <pre>
 *   0   4  magic "SLAC"
 *   4   2  version (1)
 *   6   4  CRC32C of every byte after it
 *  10   8  seq floor: the instance's next message gets a higher sequence number
 *  18   4  N positions, then N times:
 *            UTF topic, int partition, UTF topic id, long next offset to count
 *       4  length L, then L bytes: an {@link AuditMessage} (Avro) with the instance id, the bucket width and
 *            every bucket's cumulative counts and the progress, exactly as they stood at the positions
 * </pre>
 *
 * The topic id makes a position of a deleted topic not apply to a new topic of the same name. A file that is
 * missing, truncated or fails its checksum is reported as such by {@link #read}; the caller recounts.
 */
record AuditCheckpoint(long seqFloor, Map<TopicPartition, Position> positions, AuditMessage counts) {
    static final String FILE = "audit.checkpoint";
    private static final int MAGIC = 0x534c4143; // "SLAC"
    private static final short VERSION = 1;

    /** Where counting continues in one partition of one incarnation (topic id) of a topic. */
    record Position(String topicId, long nextOffset) {}

    void write(FileIO io, Path dataDir) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeLong(seqFloor);
        out.writeInt(positions.size());
        for (Map.Entry<TopicPartition, Position> e : positions.entrySet()) {
            out.writeUTF(e.getKey().topic());
            out.writeInt(e.getKey().partition());
            out.writeUTF(e.getValue().topicId());
            out.writeLong(e.getValue().nextOffset());
        }
        byte[] message = counts.encode();
        out.writeInt(message.length);
        out.write(message);
        out.flush();
        byte[] payload = body.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteArrayOutputStream file = new ByteArrayOutputStream(payload.length + 10);
        DataOutputStream header = new DataOutputStream(file);
        header.writeInt(MAGIC);
        header.writeShort(VERSION);
        header.writeInt((int) crc.getValue());
        header.write(payload);
        header.flush();
        AtomicFile.write(io, dataDir.resolve(FILE), file.toByteArray());
    }

    /**
     * The checkpoint in {@code dataDir}, or null if there is none.
     *
     * @throws IOException the file cannot be read, or is not a whole checkpoint (the message says why)
     */
    static AuditCheckpoint read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        byte[] bytes = AtomicFile.readIfExists(file);
        if (bytes == null) {
            return null;
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int magic = in.readInt();
            short version = in.readShort();
            if (magic != MAGIC || version != VERSION) {
                throw new IOException(file + " is not an audit checkpoint of version " + VERSION + " (magic "
                        + Integer.toHexString(magic) + ", version " + version + ")");
            }
            int expected = in.readInt();
            CRC32C crc = new CRC32C();
            crc.update(bytes, 10, bytes.length - 10);
            if ((int) crc.getValue() != expected) {
                throw new IOException(file + ": checksum mismatch (" + Integer.toHexString((int) crc.getValue())
                        + ", expected " + Integer.toHexString(expected) + ", " + bytes.length + " bytes)");
            }
            long seqFloor = in.readLong();
            int n = in.readInt();
            Map<TopicPartition, Position> positions = new HashMap<>();
            for (int i = 0; i < n; i++) {
                TopicPartition tp = new TopicPartition(in.readUTF(), in.readInt());
                positions.put(tp, new Position(in.readUTF(), in.readLong()));
            }
            int length = in.readInt();
            int at = bytes.length - in.available();
            if (length != in.available()) {
                throw new IOException(file + ": counts of " + length + " bytes expected at " + at + ", "
                        + in.available() + " there");
            }
            AuditMessage counts = AuditMessage.decode(Arrays.copyOfRange(bytes, at, bytes.length));
            return new AuditCheckpoint(seqFloor, positions, counts);
        } catch (java.io.EOFException | IllegalArgumentException e) {
            throw new IOException(file + " is cut short or garbled (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }
}
