package io.sluice.log.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.EnumSet;

/**
 * Whether a connection is read: it is while no reason to pause holds. Several handlers pause a connection
 * for their own reasons, and the socket is read again only once all of them have resumed it. Event-loop
 * thread only.
 */
final class ReadGate {
    /** Why reading pauses. */
    enum Reason {
        /** Too many responses pending, or the client does not read its responses. */
        BACKLOG,
        /** An admin request runs; requests after it wait (ApiHandler#ordersLaterRequests). */
        ORDER,
        /** The next request does not fit in the request memory pool or the connection's share. */
        MEMORY
    }

    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf("sluice.read-gate");

    private final Channel channel;
    private final EnumSet<Reason> paused = EnumSet.noneOf(Reason.class);

    private ReadGate(Channel channel) {
        this.channel = channel;
    }

    /** The connection's gate, shared by its handlers. */
    static ReadGate of(Channel channel) {
        ReadGate g = channel.attr(KEY).get();
        if (g == null) {
            g = new ReadGate(channel);
            channel.attr(KEY).set(g);
        }
        return g;
    }

    void set(Reason reason, boolean pause) {
        if (pause) {
            paused.add(reason);
        } else {
            paused.remove(reason);
        }
        boolean read = paused.isEmpty();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    boolean isPaused(Reason reason) {
        return paused.contains(reason);
    }
}
