package io.sluice.log.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The server's Dropwizard metrics, named {@code sluice.server.*}:
 * <ul>
 *   <li>{@code requests.<Api>} (timer): per-API request rate and latency, from parse until the response
 *       is ready and its turn has come (created on the API's first request; cancelled ones not counted);</li>
 *   <li>{@code bytes-in}, {@code bytes-out} (meters): request and response bytes, frames included;</li>
 *   <li>{@code topic.<topic>.bytes-in}, {@code .messages-in}, {@code .bytes-out} (meters): per topic,
 *       record bytes appended (duplicates excluded), records appended, record bytes sent to fetchers;</li>
 *   <li>{@code connections} (counter): active client connections;</li>
 *   <li>{@code malformed-requests} (meter): connections closed for bad input;</li>
 *   <li>{@code connections-refused} (meter): connections closed on arrival, over max.connections or
 *       max.connections.per.ip;</li>
 *   <li>{@code idle-connections-closed} (meter): connections closed after connections.max.idle.ms;</li>
 *   <li>{@code log-damaged-ranges} (gauge, registered by {@link KafkaServer}): offset ranges the log found
 *       damaged when it opened (a segment missing or cut short); fetches there answer KAFKA_STORAGE_ERROR;</li>
 *   <li>{@code request-memory-used} (gauge, registered by {@link KafkaServer}): bytes of requests received
 *       or being received and not yet handled (at most queued.max.request.bytes);</li>
 *   <li>{@code group-rebalances} (meter): consumer-group rebalances, marked by the group coordinator;</li>
 *   <li>{@code fetch-waiters} (gauge, registered by {@link KafkaServer}): long-poll fetch registrations
 *       (one per fetch and partition) waiting for data.</li>
 * </ul>
 * {@link KafkaServer} reports them over JMX (domain {@code io.sluice}); {@link MetricsHttpServer} serves
 * them in Prometheus text format. Thread-safe.
 */
final class ServerMetrics {
    private final MetricRegistry registry;
    /** Created on an API's first request, so that only APIs in use are reported. */
    private final Map<ApiKeys, Timer> requests = new ConcurrentHashMap<>();
    private final Meter bytesIn;
    private final Meter bytesOut;
    private final Counter connections;
    private final Meter badRequests;
    private final Meter groupRebalances;
    private final Meter refused;
    private final Meter idleClosed;

    ServerMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.bytesIn = registry.meter("sluice.server.bytes-in");
        this.bytesOut = registry.meter("sluice.server.bytes-out");
        this.connections = registry.counter("sluice.server.connections");
        this.badRequests = registry.meter("sluice.server.malformed-requests");
        this.groupRebalances = registry.meter("sluice.server.group-rebalances");
        this.refused = registry.meter("sluice.server.connections-refused");
        this.idleClosed = registry.meter("sluice.server.idle-connections-closed");
    }

    void connectionRefused() {
        refused.mark();
    }

    void idleConnectionClosed() {
        idleClosed.mark();
    }

    MetricRegistry registry() {
        return registry;
    }

    void requestDone(ApiKeys api, long nanos) {
        requests.computeIfAbsent(api, a -> registry.timer("sluice.server.requests." + a.name))
                .update(nanos, TimeUnit.NANOSECONDS);
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

    /** A consumer group started a rebalance (called by the group coordinator). */
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
