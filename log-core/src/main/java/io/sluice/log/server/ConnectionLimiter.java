package io.sluice.log.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a new connection at once when the server already has {@code max.connections} connections, or
 * the client's address {@code max.connections.per.ip}, as Kafka does: every connection holds a file
 * descriptor and memory, and without a bound one client can take them all. A refusal is counted in
 * {@code sluice.server.connections-refused} and logged at most once every 10 seconds. Shared by every
 * connection of one server; thread-safe.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("sluice.counted-address");
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final int maxTotal;
    private final int maxPerAddress;
    private final ServerMetrics metrics;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong refusedSinceLog = new AtomicLong();

    ConnectionLimiter(int maxTotal, int maxPerAddress, ServerMetrics metrics) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        int all = total.incrementAndGet();
        int fromAddress = mine.incrementAndGet();
        ctx.channel().attr(COUNTED).set(address);
        if (all > maxTotal || fromAddress > maxPerAddress) {
            refuse(ctx, address, all > maxTotal ? "max.connections (" + maxTotal + ")"
                    : "max.connections.per.ip (" + maxPerAddress + ") for " + address.getHostAddress());
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            total.decrementAndGet();
            perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() == 0 ? null : n);
        }
        ctx.fireChannelInactive();
    }

    private void refuse(ChannelHandlerContext ctx, InetAddress address, String limit) {
        metrics.connectionRefused();
        long refused = refusedSinceLog.incrementAndGet();
        long last = lastLog.get();
        long now = System.nanoTime();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            LOG.warn("Refused {} new connection(s) in the last 10 s (latest from {}): over {}", refused,
                    address.getHostAddress(), limit);
        }
        // the handlers after this one never saw the connection: it is closed before anything is read
        ctx.channel().config().setAutoRead(false);
        ctx.close();
    }

    /** Connections counted now (for tests and metrics). */
    int total() {
        return total.get();
    }
}
