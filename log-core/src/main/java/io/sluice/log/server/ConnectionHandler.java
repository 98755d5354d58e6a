package io.sluice.log.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: parses each frame into a request header and body with kafka-clients' own
 * classes, hands it to the API's handler, and writes the responses strictly in request order (Kafka
 * clients match responses to requests by order as well as by correlation id).
 *
 * <p>Bad input: a header that cannot be parsed, an unknown API key, an unsupported version of an API
 * other than ApiVersions, or a body that does not parse closes this connection after one log line; an
 * ApiVersions request of a version that is too new is answered at v0 with UNSUPPORTED_VERSION, as Kafka
 * does. No other connection is affected.
 *
 * <p>All methods run on the connection's event-loop thread.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private record Pending(RequestHeader header, short version, CompletableFuture<AbstractResponse> response) {
    }

    private final ApiDispatcher dispatcher;
    private final ServerMetrics metrics;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private String label = "?";

    ConnectionHandler(ApiDispatcher dispatcher, ServerMetrics metrics) {
        this.dispatcher = dispatcher;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        label = String.valueOf(ctx.channel().remoteAddress());
        metrics.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        ByteBuffer buffer;
        try {
            buffer = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(buffer);
            buffer.flip();
        } finally {
            frame.release();
        }
        metrics.bytesIn(buffer.remaining() + 4);
        long start = System.nanoTime();
        RequestHeader header;
        try {
            header = RequestHeader.parse(buffer);
        } catch (RuntimeException e) {
            closeBadClient(ctx, "unparseable request header (" + e.getMessage() + ")");
            return;
        }
        ApiKeys api = header.apiKey();
        short version = header.apiVersion();
        if (!api.isVersionSupported(version) || !dispatcher.handles(api)) {
            if (api == ApiKeys.API_VERSIONS) {
                enqueue(ctx, header, (short) 0, CompletableFuture.completedFuture(unsupportedApiVersions()));
                return;
            }
            if (!dispatcher.handles(api)) {
                // Out of scope (transactions, ACLs, ...): answer with the protocol's error, never a hang.
                answerUnsupported(ctx, header, buffer);
                return;
            }
            closeBadClient(ctx, api + " version " + version + " is not supported (supported "
                    + api.oldestVersion() + ".." + api.latestVersion() + ")");
            return;
        }
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(api, version, buffer).request;
        } catch (RuntimeException e) {
            closeBadClient(ctx, "malformed " + api + " v" + version + " body (" + e.getMessage() + ")");
            return;
        }
        CompletableFuture<AbstractResponse> response;
        try {
            response = dispatcher.dispatch(new RequestContext(header, ctx.channel().eventLoop(), label), request);
        } catch (RuntimeException e) {
            LOG.warn("{} v{} from {} failed: {}", api, version, label, e.toString(), e);
            response = CompletableFuture.completedFuture(request.getErrorResponse(e));
        }
        response.whenComplete((r, t) -> metrics.requestDone(api, System.nanoTime() - start));
        enqueue(ctx, header, version, response);
    }

    private void answerUnsupported(ChannelHandlerContext ctx, RequestHeader header, ByteBuffer body) {
        try {
            AbstractRequest request = AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), body).request;
            enqueue(ctx, header, header.apiVersion(), CompletableFuture.completedFuture(request.getErrorResponse(
                    new UnsupportedVersionException(header.apiKey() + " is not supported by Sluice"))));
        } catch (RuntimeException e) {
            closeBadClient(ctx, "unsupported " + header.apiKey() + " with a malformed body (" + e.getMessage() + ")");
        }
    }

    private AbstractResponse unsupportedApiVersions() {
        return new ApiVersionsResponse(new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(dispatcher.advertisedVersions()));
    }

    private void enqueue(ChannelHandlerContext ctx, RequestHeader header, short version,
                         CompletableFuture<AbstractResponse> response) {
        pending.add(new Pending(header, version, response));
        if (response.isDone()) {
            drain(ctx);
        } else {
            response.whenComplete((r, t) -> {
                if (ctx.channel().eventLoop().inEventLoop()) {
                    drain(ctx);
                } else {
                    ctx.channel().eventLoop().execute(() -> drain(ctx));
                }
            });
        }
    }

    /** Writes every completed response at the head of the queue, keeping request order. */
    private void drain(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().response().isDone()) {
            Pending p = pending.poll();
            AbstractResponse r;
            try {
                r = p.response().join();
            } catch (RuntimeException e) {
                LOG.warn("{} from {} failed: {}", p.header().apiKey(), label, e.toString());
                closeBadClient(ctx, "internal error answering " + p.header().apiKey());
                return;
            }
            if (r == null) {
                continue; // acks=0: Kafka sends no response
            }
            SendRegion region = new SendRegion(r.toSend(p.header().toResponseHeader(), p.version()));
            metrics.bytesOut(region.count());
            ctx.write(region);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    private void closeBadClient(ChannelHandlerContext ctx, String why) {
        LOG.warn("Closing connection from {}: {}", label, why);
        metrics.badRequest();
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            closeBadClient(ctx, cause.getMessage());
        } else if (cause instanceof java.io.IOException) {
            LOG.debug("Connection from {} failed: {}", label, cause.toString());
            ctx.close();
        } else {
            LOG.warn("Closing connection from {} after an unexpected error", label, cause);
            ctx.close();
        }
    }
}
