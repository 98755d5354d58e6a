package io.sluice.log.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The server's Dropwizard metrics, named {@code sluice.server.*}: per-API request rate and latency,
 * bytes in and out, active connections, malformed requests and consumer-group rebalances. Per-topic metrics are added by the
 * handlers through {@link #registry()}. Thread-safe.
 */
final class ServerMetrics {
    private final MetricRegistry registry;
    private final Map<ApiKeys, Timer> requests = new EnumMap<>(ApiKeys.class);
    private final Meter bytesIn;
    private final Meter bytesOut;
    private final Counter connections;
    private final Meter badRequests;
    private final Meter groupRebalances;

    ServerMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.bytesIn = registry.meter("sluice.server.bytes-in");
        this.bytesOut = registry.meter("sluice.server.bytes-out");
        this.connections = registry.counter("sluice.server.connections");
        this.badRequests = registry.meter("sluice.server.malformed-requests");
        this.groupRebalances = registry.meter("sluice.server.group-rebalances");
        for (ApiKeys api : ApiKeys.values()) {
            requests.put(api, registry.timer("sluice.server.requests." + api.name));
        }
    }

    MetricRegistry registry() {
        return registry;
    }

    void requestDone(ApiKeys api, long nanos) {
        requests.get(api).update(nanos, TimeUnit.NANOSECONDS);
    }

    void bytesIn(long n) {
        bytesIn.mark(n);
    }

    void bytesOut(long n) {
        bytesOut.mark(n);
    }

    void connectionOpened() {
        connections.inc();
    }

    void connectionClosed() {
        connections.dec();
    }

    void badRequest() {
        badRequests.mark();
    }

    /** A consumer group started a rebalance. */
    void groupRebalance() {
        groupRebalances.mark();
    }

    void topicBytesIn(String topic, long bytes, long messages) {
        registry.meter("sluice.server.topic." + topic + ".bytes-in").mark(bytes);
        registry.meter("sluice.server.topic." + topic + ".messages-in").mark(messages);
    }

    void topicBytesOut(String topic, long bytes) {
        registry.meter("sluice.server.topic." + topic + ".bytes-out").mark(bytes);
    }
}
