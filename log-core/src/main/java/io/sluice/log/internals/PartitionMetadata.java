package io.sluice.log.internals;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.Uuid;

/**
 * The durable facts of a partition that are not in its segments, in {@code partition.metadata}:
 * <pre>
 *   version=0
 *   topic_id=&lt;base64 UUID, new each time the topic is created&gt;
 *   log_start_offset=&lt;first offset still readable&gt;
 *   leader_epoch=&lt;partition leader epoch stamped on appended batches&gt;
 * </pre>
 * Replaced atomically ({@link AtomicFile}) whenever a value changes; the log start offset is written
 * before the segments below it are deleted, so a crash in between leaves extra data, never a gap.
 */
public record PartitionMetadata(Uuid topicId, long logStartOffset, int leaderEpoch) {
    public static final String FILE_NAME = "partition.metadata";

    public PartitionMetadata withLogStartOffset(long offset) {
        return new PartitionMetadata(topicId, offset, leaderEpoch);
    }

    public void write(FileIO io, Path partitionDir) throws IOException {
        String text = "version=0\ntopic_id=" + topicId + "\nlog_start_offset=" + logStartOffset
                + "\nleader_epoch=" + leaderEpoch + "\n";
        AtomicFile.write(io, partitionDir.resolve(FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the file; null when it does not exist. */
    public static PartitionMetadata read(Path partitionDir) throws IOException {
        byte[] bytes = AtomicFile.readIfExists(partitionDir.resolve(FILE_NAME));
        if (bytes == null) {
            return null;
        }
        Properties p = new Properties();
        p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        try {
            return new PartitionMetadata(Uuid.fromString(p.getProperty("topic_id")),
                    Long.parseLong(p.getProperty("log_start_offset", "0")),
                    Integer.parseInt(p.getProperty("leader_epoch", "0")));
        } catch (RuntimeException e) {
            throw new IOException("unreadable " + partitionDir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
        }
    }
}
