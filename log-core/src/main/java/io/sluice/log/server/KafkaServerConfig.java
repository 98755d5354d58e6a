package io.sluice.log.server;

import java.util.Objects;

/**
 * Settings of the Kafka-protocol server. Names follow Kafka's broker settings where there is one.
 *
 * @param listenHost        address to bind (only loopback in tests)
 * @param listenPort        port to bind; 0 picks a free one
 * @param advertisedHost    host returned in Metadata; clients connect to it
 * @param advertisedPort    port returned in Metadata; -1 means the bound port
 * @param nodeId            this broker's id (node.id)
 * @param clusterId         cluster id returned in Metadata
 * @param maxRequestBytes   largest request frame accepted (socket.request.max.bytes)
 * @param autoCreateTopics  create unknown topics on Metadata requests (auto.create.topics.enable)
 * @param defaultPartitions partitions of auto-created topics (num.partitions)
 * @param ioThreads         Netty event-loop threads that read, handle and write requests
 * @param groups            consumer-group coordinator and committed-offsets settings
 * @param limits            memory, connection and time limits on clients
 */
public record KafkaServerConfig(String listenHost, int listenPort, String advertisedHost, int advertisedPort,
                                int nodeId, String clusterId, int maxRequestBytes, boolean autoCreateTopics,
                                int defaultPartitions, int ioThreads, GroupCoordinatorConfig groups,
                                ConnectionLimits limits) {
    public KafkaServerConfig {
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(limits, "limits");
        if (limits.queuedMaxRequestBytes() < maxRequestBytes) {
            throw new IllegalArgumentException("queued.max.request.bytes (" + limits.queuedMaxRequestBytes()
                    + ") must be at least socket.request.max.bytes (" + maxRequestBytes + "): the largest request must fit");
        }
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(groups, "groups");
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("maxRequestBytes must be at least 1024, was " + maxRequestBytes);
        }
        if (defaultPartitions < 1 || ioThreads < 1) {
            throw new IllegalArgumentException("defaultPartitions and ioThreads must be at least 1");
        }
    }

    /** Kafka's defaults, listening on {@code host:port} and advertising the same. */
    public static KafkaServerConfig defaults(String host, int port) {
        return new KafkaServerConfig(host, port, host, -1, 0, "sluice-cluster", 100 * 1024 * 1024, true, 1,
                Math.max(1, Runtime.getRuntime().availableProcessors()), GroupCoordinatorConfig.defaults(),
                ConnectionLimits.defaults());
    }

    public KafkaServerConfig withAdvertised(String host, int port) {
        return new KafkaServerConfig(listenHost, listenPort, host, port, nodeId, clusterId, maxRequestBytes,
                autoCreateTopics, defaultPartitions, ioThreads, groups, limits);
    }

    public KafkaServerConfig withMaxRequestBytes(int bytes) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId, bytes,
                autoCreateTopics, defaultPartitions, ioThreads, groups, limits);
    }

    public KafkaServerConfig withAutoCreateTopics(boolean enabled, int partitions) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId,
                maxRequestBytes, enabled, partitions, ioThreads, groups, limits);
    }

    public KafkaServerConfig withGroups(GroupCoordinatorConfig groups) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId,
                maxRequestBytes, autoCreateTopics, defaultPartitions, ioThreads, groups, limits);
    }

    public KafkaServerConfig withIdentity(int nodeId, String clusterId) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId,
                maxRequestBytes, autoCreateTopics, defaultPartitions, ioThreads, groups, limits);
    }

    public KafkaServerConfig withIoThreads(int threads) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId,
                maxRequestBytes, autoCreateTopics, defaultPartitions, threads, groups, limits);
    }

    public KafkaServerConfig withLimits(ConnectionLimits limits) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, nodeId, clusterId,
                maxRequestBytes, autoCreateTopics, defaultPartitions, ioThreads, groups, limits);
    }
}
