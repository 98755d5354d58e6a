package io.sluice.log;

import io.sluice.log.internals.FileIO;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.kafka.common.utils.Time;

/**
 * Settings of a {@link LogManager} as a whole (topic-level settings are {@link TopicConfig}).
 *
 * @param dataDir                      where topics live; one directory per partition
 * @param topicDefaults                config of topics created without overrides
 * @param flusherThreads               threads that fsync for group commit and time-based flushes
 * @param retentionCheckIntervalMs     how often retention and compaction run
 * @param recoveryCheckpointIntervalMs how often the recovery points are written (bounds recovery work)
 * @param fileIO                       the file seam; {@link FileIO#real()} outside tests
 * @param time                         the clock
 */
public record LogManagerConfig(Path dataDir, TopicConfig topicDefaults, int flusherThreads,
                               long retentionCheckIntervalMs, long recoveryCheckpointIntervalMs,
                               FileIO fileIO, Time time) {
    public LogManagerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(topicDefaults, "topicDefaults");
        Objects.requireNonNull(fileIO, "fileIO");
        Objects.requireNonNull(time, "time");
        if (flusherThreads < 1) {
            throw new IllegalArgumentException("flusherThreads must be at least 1, was " + flusherThreads);
        }
    }

    /** Defaults: Kafka's topic defaults, 2 flusher threads, retention every 5 minutes, checkpoints every 60 s. */
    public static LogManagerConfig defaults(Path dataDir) {
        return new LogManagerConfig(dataDir, TopicConfig.defaults(), 2, 300_000, 60_000, FileIO.real(), Time.SYSTEM);
    }

    public LogManagerConfig withTopicDefaults(TopicConfig defaults) {
        return new LogManagerConfig(dataDir, defaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, time);
    }

    public LogManagerConfig withFileIO(FileIO io) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, io, time);
    }

    public LogManagerConfig withTime(Time t) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, t);
    }

    public LogManagerConfig withRetentionCheckIntervalMs(long ms) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, ms, recoveryCheckpointIntervalMs, fileIO, time);
    }
}
