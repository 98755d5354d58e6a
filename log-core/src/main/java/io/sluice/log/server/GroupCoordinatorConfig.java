package io.sluice.log.server;

/**
 * Settings of the consumer-group coordinator and the committed-offsets store. Names follow Kafka's broker
 * settings.
 *
 * @param initialRebalanceDelayMs how long the first rebalance of an empty group waits for more members to
 *                                join, extended by that much each time one does, up to the rebalance timeout
 *                                (group.initial.rebalance.delay.ms)
 * @param minSessionTimeoutMs     smallest session timeout a member may ask for (group.min.session.timeout.ms)
 * @param maxSessionTimeoutMs     largest session timeout a member may ask for (group.max.session.timeout.ms)
 * @param maxSize                 most members a group may have (group.max.size)
 * @param offsetsTopicPartitions  partitions of {@code __consumer_offsets} when it is created
 *                                (offsets.topic.num.partitions; Kafka's 50 is for spreading load over brokers)
 * @param offsetMetadataMaxBytes  longest metadata string of a committed offset (offset.metadata.max.bytes)
 * @param offsetsRetentionMs      a group's committed offsets are deleted this long after it became empty, or
 *                                after its newest commit if that is later (offsets.retention.minutes, KIP-211)
 * @param offsetsRetentionCheckIntervalMs how often expired offsets, and offsets of deleted topics, are deleted
 *                                (offsets.retention.check.interval.ms)
 */
public record GroupCoordinatorConfig(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                                     int maxSize, int offsetsTopicPartitions, int offsetMetadataMaxBytes,
                                     long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs) {
    public GroupCoordinatorConfig {
        if (initialRebalanceDelayMs < 0 || minSessionTimeoutMs < 0 || maxSessionTimeoutMs < minSessionTimeoutMs) {
            throw new IllegalArgumentException("invalid group timeouts: initial delay " + initialRebalanceDelayMs
                    + " ms, session timeout range [" + minSessionTimeoutMs + ", " + maxSessionTimeoutMs + "] ms");
        }
        if (offsetsRetentionMs < 1 || offsetsRetentionCheckIntervalMs < 1) {
            throw new IllegalArgumentException("offsets retention and its check interval must be positive");
        }
        if (maxSize < 1 || offsetsTopicPartitions < 1 || offsetMetadataMaxBytes < 0) {
            throw new IllegalArgumentException("maxSize and offsetsTopicPartitions must be at least 1 and "
                    + "offsetMetadataMaxBytes not negative");
        }
    }

    /** Kafka's defaults, except one partition for {@code __consumer_offsets} (a single node). */
    public static GroupCoordinatorConfig defaults() {
        return new GroupCoordinatorConfig(3000, 6000, 1_800_000, Integer.MAX_VALUE, 1, 4096, 7L * 24 * 3_600_000, 600_000);
    }

    public GroupCoordinatorConfig withInitialRebalanceDelayMs(int ms) {
        return new GroupCoordinatorConfig(ms, minSessionTimeoutMs, maxSessionTimeoutMs, maxSize,
                offsetsTopicPartitions, offsetMetadataMaxBytes, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs);
    }

    public GroupCoordinatorConfig withSessionTimeoutRange(int minMs, int maxMs) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, minMs, maxMs, maxSize, offsetsTopicPartitions,
                offsetMetadataMaxBytes, offsetsRetentionMs, offsetsRetentionCheckIntervalMs);
    }

    public GroupCoordinatorConfig withMaxSize(int members) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, members,
                offsetsTopicPartitions, offsetMetadataMaxBytes, offsetsRetentionMs,
                offsetsRetentionCheckIntervalMs);
    }

    public GroupCoordinatorConfig withOffsetsTopicPartitions(int partitions) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxSize,
                partitions, offsetMetadataMaxBytes, offsetsRetentionMs, offsetsRetentionCheckIntervalMs);
    }

    public GroupCoordinatorConfig withOffsetsRetention(long retentionMs, long checkIntervalMs) {
        return new GroupCoordinatorConfig(initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxSize,
                offsetsTopicPartitions, offsetMetadataMaxBytes, retentionMs, checkIntervalMs);
    }
}
