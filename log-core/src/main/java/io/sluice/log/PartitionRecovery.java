package io.sluice.log;

import io.sluice.log.internals.LogLoader;
import io.sluice.log.internals.PartitionMetadata;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Recovery wiring of {@link PartitionLog#open}: the partition metadata file and the {@link LogLoader} that
 * loads (and, after an unclean shutdown, recovers) the segments and producer state.
 *
 * <p>Thread-safety: stateless; called once per partition before the log exists.
 */
final class PartitionRecovery {
    private PartitionRecovery() {
    }

    /** Reads the partition metadata in {@code dir}, or writes {@code created} when there is none. */
    static PartitionMetadata readOrCreateMetadata(Path dir, LogContext ctx, PartitionMetadata created)
            throws IOException {
        PartitionMetadata metadata = PartitionMetadata.read(dir);
        if (metadata == null) {
            if (created == null) {
                throw new IOException("missing " + PartitionMetadata.FILE_NAME + " in " + dir);
            }
            metadata = created;
            metadata.write(ctx.io(), dir);
        }
        return metadata;
    }

    /** Loads the segments and producer state of the partition in {@code dir}, recovering when not {@code clean}. */
    static LogLoader.Loaded load(String topic, int partition, Path dir, LogContext ctx, TopicConfig config,
                                 PartitionMetadata metadata, boolean clean, long recoveryPoint) throws IOException {
        // No batch-size limit in recovery: max.message.bytes may have been lowered since bigger batches were
        // accepted, and a garbage length is caught anyway (past the end of the file, or a CRC mismatch).
        LogLoader loader = new LogLoader(ctx.io(), dir, topic + "-" + partition, config.indexIntervalBytes(),
                indexBytes(config), Integer.MAX_VALUE, ctx.time().milliseconds());
        return loader.load(metadata.logStartOffset(), recoveryPoint, clean);
    }

    static int indexBytes(TopicConfig config) {
        return config.maxIndexEntries(1);
    }
}
