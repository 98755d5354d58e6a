package io.sluice.log;

import io.sluice.log.internals.FileDescriptors;
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
 * @param fileDescriptors              the process's descriptor count and limit, checked before creating
 *                                     partitions; {@link FileDescriptors#ofProcess()} outside tests
 * @param producerIdExpirationMs       an idempotent producer's state is forgotten this long after its newest
 *                                     batch's timestamp (Kafka's producer.id.expiration.ms, 1 day), checked
 *                                     with retention
 * @param scrubBytesPerSecond          how fast the background scrubber reads sealed segments to check their
 *                                     CRCs; 0 turns it off (the default)
 */
public record LogManagerConfig(Path dataDir, TopicConfig topicDefaults, int flusherThreads,
                               long retentionCheckIntervalMs, long recoveryCheckpointIntervalMs,
                               FileIO fileIO, Time time, FileDescriptors fileDescriptors,
                               long producerIdExpirationMs, long scrubBytesPerSecond) {
    public LogManagerConfig {
        Objects.requireNonNull(fileDescriptors, "fileDescriptors");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(topicDefaults, "topicDefaults");
        Objects.requireNonNull(fileIO, "fileIO");
        Objects.requireNonNull(time, "time");
        if (scrubBytesPerSecond < 0) {
            throw new IllegalArgumentException("scrubBytesPerSecond must not be negative, was " + scrubBytesPerSecond);
        }
        if (producerIdExpirationMs < 1) {
            throw new IllegalArgumentException("producerIdExpirationMs must be positive, was " + producerIdExpirationMs);
        }
        if (flusherThreads < 1) {
            throw new IllegalArgumentException("flusherThreads must be at least 1, was " + flusherThreads);
        }
    }

    /** Defaults: Kafka's topic defaults, 2 flusher threads, retention every 5 minutes, checkpoints every 60 s. */
    public static LogManagerConfig defaults(Path dataDir) {
        return new LogManagerConfig(dataDir, TopicConfig.defaults(), 2, 300_000, 60_000, FileIO.real(), Time.SYSTEM,
                FileDescriptors.ofProcess(), 86_400_000L, 0);
    }

    public LogManagerConfig withTopicDefaults(TopicConfig defaults) {
        return new LogManagerConfig(dataDir, defaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, time, fileDescriptors,
                producerIdExpirationMs, scrubBytesPerSecond);
    }

    public LogManagerConfig withFileIO(FileIO io) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, io, time, fileDescriptors, producerIdExpirationMs,
                scrubBytesPerSecond);
    }

    public LogManagerConfig withTime(Time t) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, t, fileDescriptors, producerIdExpirationMs,
                scrubBytesPerSecond);
    }

    public LogManagerConfig withRetentionCheckIntervalMs(long ms) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, ms, recoveryCheckpointIntervalMs, fileIO, time, fileDescriptors,
                producerIdExpirationMs, scrubBytesPerSecond);
    }

    public LogManagerConfig withFileDescriptors(FileDescriptors descriptors) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, time, descriptors, producerIdExpirationMs,
                scrubBytesPerSecond);
    }

    public LogManagerConfig withProducerIdExpirationMs(long ms) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, time, fileDescriptors, ms, scrubBytesPerSecond);
    }

    public LogManagerConfig withScrubBytesPerSecond(long bytesPerSecond) {
        return new LogManagerConfig(dataDir, topicDefaults, flusherThreads, retentionCheckIntervalMs,
                recoveryCheckpointIntervalMs, fileIO, time, fileDescriptors, producerIdExpirationMs, bytesPerSecond);
    }
}
