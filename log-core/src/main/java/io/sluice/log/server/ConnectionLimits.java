package io.sluice.log.server;

/**
 * What the server lets clients hold: memory for requests being received, connections, and time. Names
 * follow Kafka's broker settings where Kafka has one; unlike Kafka's, the defaults are bounded.
 *
 * @param queuedMaxRequestBytes   bytes of requests being received or waiting to be handled, over all
 *                                connections (queued.max.request.bytes); a connection whose next request
 *                                does not fit stops being read until memory is released. At least
 *                                socket.request.max.bytes, so that any one request fits
 * @param maxConnections          open client connections in all (max.connections); more are closed at once
 * @param maxConnectionsPerIp     open client connections from one address (max.connections.per.ip)
 * @param connectionsMaxIdleMs    a connection with nothing read or written for this long is closed
 *                                (connections.max.idle.ms)
 * @param requestReceiveTimeoutMs a request whose first bytes arrived this long ago and that is still not
 *                                complete closes its connection: a client that trickles a request holds its
 *                                memory no longer (request.receive.timeout.ms; Sluice's own)
 */
public record ConnectionLimits(long queuedMaxRequestBytes, int maxConnections, int maxConnectionsPerIp,
                               long connectionsMaxIdleMs, long requestReceiveTimeoutMs) {
    public ConnectionLimits {
        if (queuedMaxRequestBytes < 1024 || maxConnections < 1 || maxConnectionsPerIp < 1
                || connectionsMaxIdleMs < 1 || requestReceiveTimeoutMs < 1) {
            throw new IllegalArgumentException("connection limits must be positive (queued.max.request.bytes at "
                    + "least 1024): " + this);
        }
    }

    /** 512 MiB of requests, 10,000 connections (from any address), 10 minutes idle, 30 s to receive a request. */
    public static ConnectionLimits defaults() {
        return new ConnectionLimits(512L * 1024 * 1024, 10_000, 10_000, 600_000, 30_000);
    }

    public ConnectionLimits withQueuedMaxRequestBytes(long bytes) {
        return new ConnectionLimits(bytes, maxConnections, maxConnectionsPerIp, connectionsMaxIdleMs, requestReceiveTimeoutMs);
    }

    public ConnectionLimits withMaxConnections(int total, int perIp) {
        return new ConnectionLimits(queuedMaxRequestBytes, total, perIp, connectionsMaxIdleMs, requestReceiveTimeoutMs);
    }

    public ConnectionLimits withConnectionsMaxIdleMs(long ms) {
        return new ConnectionLimits(queuedMaxRequestBytes, maxConnections, maxConnectionsPerIp, ms, requestReceiveTimeoutMs);
    }

    public ConnectionLimits withRequestReceiveTimeoutMs(long ms) {
        return new ConnectionLimits(queuedMaxRequestBytes, maxConnections, maxConnectionsPerIp, connectionsMaxIdleMs, ms);
    }
}
