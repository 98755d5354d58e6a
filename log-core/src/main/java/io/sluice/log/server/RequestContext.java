package io.sluice.log.server;

import io.netty.channel.EventLoop;
import org.apache.kafka.common.requests.RequestHeader;

/** Where a request came from: its header, the connection's event loop and a label for logs. */
record RequestContext(RequestHeader header, EventLoop eventLoop, String connection) {
    short apiVersion() {
        return header.apiVersion();
    }
}
