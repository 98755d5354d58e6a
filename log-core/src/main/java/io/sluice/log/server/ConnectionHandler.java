package io.sluice.log.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: parses each frame into a request header and body with kafka-clients' own
 * classes, hands it to the API's handler, and writes the responses strictly in request order (Kafka
 * clients match responses to requests by order as well as by correlation id).
 *
 * <p>Bad input, answered as Apache Kafka 3.9 answers it:
 * <ul>
 *   <li>a frame whose size is negative or above {@code socket.request.max.bytes}, a header that cannot
 *       be parsed (garbage, an unknown API key), a version outside the range advertised for a handled
 *       API, or a body that does not parse (truncated): the connection is closed after one log line;
 *       requests after it on the same connection are not read;</li>
 *   <li>an ApiVersions request of a version that is too new: answered at v0 (v0 response header) with
 *       UNSUPPORTED_VERSION and ApiVersions' own supported range, and the connection stays open;</li>
 *   <li>an API that is not handled here (transactions, ACLs, ...): the API's own error response with
 *       UNSUPPORTED_VERSION, never a hang;</li>
 *   <li>a handler that fails: the API's error response (UNKNOWN_SERVER_ERROR for unexpected errors).</li>
 * </ul>
 * No other connection is affected. When the client goes away, its pending responses are cancelled so
 * that long polls stop waiting for it.
 *
 * <p>All methods run on the connection's event-loop thread.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    /**
     * A request whose response is not written yet. {@code request} is null only for a too-new
     * ApiVersions request, whose answer is prepared up front. {@code startNanos} is -1 for requests
     * that are not timed (those no handler took).
     */
    private record Pending(RequestHeader header, short version, AbstractRequest request, long startNanos,
                           CompletableFuture<AbstractResponse> response) {
    }

    private final ApiDispatcher dispatcher;
    private final ServerMetrics metrics;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Frames read but not dispatched yet: they wait while {@link #barrier} runs. */
    private final ArrayDeque<ByteBuffer> undispatched = new ArrayDeque<>();
    /** An admin request whose effects later requests must see (ApiHandler#ordersLaterRequests); null when none. */
    private CompletableFuture<AbstractResponse> barrier;
    private boolean dispatching;
    private boolean active;
    private String label = "?";
    /** Set once the connection is being closed: nothing more is read, answered or logged. */
    private boolean closing;

    /**
     * Reading pauses while this many responses are pending or while the socket's outbound buffer is
     * above its high-water mark (a client that sends but does not read), so a connection cannot make
     * the server buffer without bound. Kafka goes further and reads one request at a time.
     */
    static final int MAX_PENDING = 100;

    /** Counts a response's bytes against the outbound buffer's water marks (Netty counts a FileRegion as 0). */
    private static final MessageSizeEstimator SIZES = new MessageSizeEstimator() {
        private final Handle others = DefaultMessageSizeEstimator.DEFAULT.newHandle();
        private final Handle handle = msg -> msg instanceof SendRegion r
                ? (int) Math.min(Integer.MAX_VALUE, r.count()) : others.size(msg);

        @Override
        public Handle newHandle() {
            return handle;
        }
    };

    private final ConnectionMemory memory;
    private ReadGate gate;

    ConnectionHandler(ApiDispatcher dispatcher, ServerMetrics metrics, ConnectionMemory memory) {
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.memory = memory;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setMessageSizeEstimator(SIZES);
        gate = ReadGate.of(ctx.channel());
    }

    /** connections.max.idle.ms passed with nothing read or written: closed, as Kafka closes idle connections. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            LOG.debug("Closing idle connection from {}", label);
            metrics.idleConnectionClosed();
            closeConnection(ctx);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    /** Reads on while the client keeps up with its responses; see {@link #MAX_PENDING}. */
    private void updateReading(ChannelHandlerContext ctx) {
        gate.set(ReadGate.Reason.BACKLOG, closing || pending.size() >= MAX_PENDING || !ctx.channel().isWritable());
        gate.set(ReadGate.Reason.ORDER, waitingForBarrier());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        label = String.valueOf(ctx.channel().remoteAddress());
        active = true;
        metrics.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        // Cancel what is still pending (acks=all produces, long-poll fetches): their handlers stop
        // waiting on this client's behalf. Cleared first so the cancellations write nothing.
        List<Pending> abandoned = new ArrayList<>(pending);
        pending.clear();
        undispatched.clear();
        for (Pending p : abandoned) {
            p.response().cancel(false);
        }
        if (active) { // a connection the limiter refused was never active here
            metrics.connectionClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg); // frames that followed a bad one in the same read
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        ByteBuffer buffer;
        try {
            buffer = ByteBuffer.allocate(frame.readableBytes()); // its bytes were taken from memory by the decoder
            frame.readBytes(buffer);
            buffer.flip();
        } finally {
            frame.release();
        }
        metrics.bytesIn(buffer.remaining() + 4);
        undispatched.add(buffer);
        dispatchWaiting(ctx);
    }

    private boolean waitingForBarrier() {
        return barrier != null && !barrier.isDone();
    }

    /** Dispatches the frames read so far, in order, stopping at an admin request that is still running. */
    private void dispatchWaiting(ChannelHandlerContext ctx) {
        if (dispatching) {
            return; // a completion inside dispatch(): the outer loop goes on
        }
        dispatching = true;
        try {
            while (!closing && !undispatched.isEmpty() && !waitingForBarrier()) {
                dispatch(ctx, undispatched.poll());
            }
        } finally {
            dispatching = false;
        }
        updateReading(ctx);
    }

    private void dispatch(ChannelHandlerContext ctx, ByteBuffer buffer) {
        int size = buffer.remaining();
        try {
            parseAndDispatch(ctx, buffer);
        } finally {
            // handled (a produce's records appended, other requests parsed into their own objects): the
            // frame's bytes go back to the pool, as Kafka releases a request's buffer once it is handled
            memory.give(size);
        }
    }

    private void parseAndDispatch(ChannelHandlerContext ctx, ByteBuffer buffer) {
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
        if (!dispatcher.handles(api)) {
            // Out of scope (transactions, ACLs, ...): answer with the protocol's error, never a hang.
            answerUnsupported(ctx, header, buffer);
            return;
        }
        // Versions Kafka 3.9 advertises (its unstable last versions excluded). Not ApiKeys.isVersionEnabled:
        // that accepts every ApiVersions version, leaving the too-new case to the caller.
        if (version < api.oldestVersion() || version > api.latestVersion(false)) {
            if (api == ApiKeys.API_VERSIONS) {
                // As Kafka: the body is not parsed, the answer is a v0 response listing ApiVersions' range.
                ApiVersionsRequest asV0 = new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0, version);
                enqueue(ctx, header, (short) 0, null, -1, CompletableFuture.completedFuture(
                        asV0.getErrorResponse(0, Errors.UNSUPPORTED_VERSION.exception())));
                return;
            }
            closeBadClient(ctx, api + " version " + version + " is not supported (supported "
                    + api.oldestVersion() + ".." + api.latestVersion(false) + ")");
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
            response = CompletableFuture.failedFuture(e); // answered with the API's error response
        }
        if (request instanceof ProduceRequest produce && everyPartitionHasRecords(produce)) {
            // The handler has appended the records; the request is kept only for an error answer, which
            // needs partitions, not records. Let them be collected now, as Kafka does.
            produce.clearPartitionRecords();
        }
        if (dispatcher.ordersLaterRequests(api) && !response.isDone()) {
            barrier = response;
        }
        enqueue(ctx, header, version, request, start, response);
    }

    /** kafka-clients' clearPartitionRecords fails on a partition whose records are null (a malformed request). */
    private static boolean everyPartitionHasRecords(ProduceRequest produce) {
        return produce.data().topicData().stream().allMatch(t -> t.partitionData().stream().allMatch(p -> p.records() != null));
    }

    private void answerUnsupported(ChannelHandlerContext ctx, RequestHeader header, ByteBuffer body) {
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), body).request;
        } catch (RuntimeException e) {
            closeBadClient(ctx, "unsupported " + header.apiKey() + " v" + header.apiVersion()
                    + " with a body that does not parse (" + e.getMessage() + ")");
            return;
        }
        enqueue(ctx, header, header.apiVersion(), request, -1, CompletableFuture.failedFuture(
                new UnsupportedVersionException(header.apiKey() + " is not supported by Sluice")));
    }

    private void enqueue(ChannelHandlerContext ctx, RequestHeader header, short version, AbstractRequest request,
                         long startNanos, CompletableFuture<AbstractResponse> response) {
        pending.add(new Pending(header, version, request, startNanos, response));
        if (response.isDone()) {
            drain(ctx);
        } else {
            response.whenComplete((r, t) -> {
                if (ctx.channel().eventLoop().inEventLoop()) {
                    drain(ctx);
                } else {
                    try {
                        ctx.channel().eventLoop().execute(() -> drain(ctx));
                    } catch (RejectedExecutionException e) {
                        // the server is shutting down: the connection goes with it
                    }
                }
            });
        }
    }

    /** Writes every completed response at the head of the queue, keeping request order. */
    private void drain(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!closing && !pending.isEmpty() && pending.peek().response().isDone()) {
            Pending p = pending.poll();
            if (p.startNanos() >= 0) {
                // latency up to the response being ready and its turn come (recorded before it is sent)
                metrics.requestDone(p.header().apiKey(), System.nanoTime() - p.startNanos());
            }
            SendRegion region;
            try {
                AbstractResponse r = responseOf(p);
                if (r == null) {
                    continue; // acks=0: Kafka sends no response
                }
                region = new SendRegion(r.toSend(p.header().toResponseHeader(), p.version()));
            } catch (CloseConnectionException e) {
                LOG.info("Closing connection from {}: {}", label, e.getMessage());
                closeConnection(ctx);
                break;
            } catch (RuntimeException e) {
                // A response that cannot be written: closing is the only way to keep the order promise.
                LOG.warn("Closing connection from {}: cannot answer {} v{}", label, p.header().apiKey(), p.version(), e);
                closeConnection(ctx);
                break;
            }
            metrics.bytesOut(region.count());
            ctx.write(region);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        dispatchWaiting(ctx); // a finished admin request lets the frames behind it go on
    }

    /** The handler's response, or the API's error response when the handler failed. */
    private AbstractResponse responseOf(Pending p) {
        try {
            return p.response().join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof CloseConnectionException close) {
                throw close;
            }
            if (cause instanceof ApiException) {
                LOG.debug("{} v{} from {} answered with {}", p.header().apiKey(), p.version(), label, cause.toString());
            } else {
                LOG.warn("{} v{} from {} failed", p.header().apiKey(), p.version(), label, cause);
            }
            // Errors.forException maps anything unexpected to UNKNOWN_SERVER_ERROR, as Kafka does.
            return p.request().getErrorResponse(0, cause);
        }
    }

    private void closeBadClient(ChannelHandlerContext ctx, String why) {
        if (closing) {
            return;
        }
        LOG.warn("Closing connection from {}: {}", label, why);
        metrics.badRequest();
        closeConnection(ctx);
    }

    private void closeConnection(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing) {
            LOG.debug("Connection from {} failed while closing: {}", label, cause.toString());
        } else if (cause instanceof DecoderException) {
            closeBadClient(ctx, cause.getMessage());
        } else if (cause instanceof java.io.IOException) {
            LOG.debug("Connection from {} failed: {}", label, cause.toString());
            closeConnection(ctx);
        } else {
            LOG.warn("Closing connection from {} after an unexpected error", label, cause);
            closeConnection(ctx);
        }
    }
}
