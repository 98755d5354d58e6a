package io.sluice.log.server;

import com.codahale.metrics.MetricRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.dropwizard.samplebuilder.CustomMappingSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.MapperConfig;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a Dropwizard {@link MetricRegistry} at {@code GET /metrics} in the Prometheus text exposition
 * format 0.0.4 ({@code text/plain; version=0.0.4}); every other path is 404, other methods on
 * {@code /metrics} are 405.
 *
 * <p>The conversion is Prometheus' own {@code simpleclient_dropwizard} and {@code TextFormat}: names
 * are sanitized to {@code [a-zA-Z0-9_:]}; counters and gauges become gauges; meters become counters
 * ({@code _total}; Prometheus derives rates with {@code rate()}, so the meters' moving averages are not
 * exported); timers (in seconds) and histograms become summaries with quantiles 0.5, 0.75, 0.95, 0.98,
 * 0.99 and 0.999 and {@code _count} (Dropwizard 4 keeps no sum, so there is no {@code _sum}). The
 * server's per-API and per-topic metrics are exported with labels:
 * <pre>
 *   sluice_server_request_seconds{api="Produce",quantile="0.99"}   from sluice.server.requests.Produce
 *   sluice_server_topic_bytes_in_total{topic="orders"}           from sluice.server.topic.orders.bytes-in
 * </pre>
 * (a topic whose name has a dot keeps the plain sanitized name, e.g.
 * {@code sluice_server_topic_a_b_bytes_in_total}). Usage:
 * <pre>
 *   try (MetricsHttpServer http = MetricsHttpServer.start("127.0.0.1", 9404, server.metrics())) { ... }
 * </pre>
 * One event-loop thread; rendering is done on it. Thread-safe.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHttpServer.class);
    /** The exported path. */
    public static final String PATH = "/metrics";

    private final EventLoopGroup group;
    private final Channel channel;
    private final int port;

    private MetricsHttpServer(EventLoopGroup group, Channel channel, int port) {
        this.group = group;
        this.channel = channel;
        this.port = port;
    }

    /** Binds {@code host:port} (0 picks a free port) and serves {@code registry}. */
    public static MetricsHttpServer start(String host, int port, MetricRegistry registry) {
        CollectorRegistry prometheus = new CollectorRegistry();
        new DropwizardExports(registry, new CustomMappingSampleBuilder(List.of(
                new MapperConfig("sluice.server.requests.*", "sluice_server_request_seconds", Map.of("api", "${0}")),
                new MapperConfig("sluice.server.topic.*.bytes-in", "sluice_server_topic_bytes_in", Map.of("topic", "${0}")),
                new MapperConfig("sluice.server.topic.*.bytes-out", "sluice_server_topic_bytes_out", Map.of("topic", "${0}")),
                new MapperConfig("sluice.server.topic.*.messages-in", "sluice_server_topic_messages_in",
                        Map.of("topic", "${0}"))))).register(prometheus);
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("sluice-metrics-http", true));
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(64 * 1024))
                                    .addLast(new Handler(prometheus));
                        }
                    })
                    .bind(host, port).sync().channel();
            int bound = ((InetSocketAddress) ch.localAddress()).getPort();
            LOG.info("Metrics at http://{}:{}{}", host, bound, PATH);
            return new MetricsHttpServer(group, ch, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            throw new IllegalStateException("interrupted while binding " + host + ":" + port, e);
        } catch (Exception e) { // Netty throws a bind failure (java.net.BindException) without declaring it
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            if (e instanceof java.io.IOException ioe) {
                throw new java.io.UncheckedIOException("cannot listen on " + host + ":" + port + ": " + ioe.getMessage(), ioe);
            }
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Renders the registry in the text format. */
    static String render(CollectorRegistry prometheus) {
        StringWriter out = new StringWriter(8192);
        try {
            TextFormat.write004(out, prometheus.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not throw
        }
        return out.toString();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final CollectorRegistry prometheus;

        Handler(CollectorRegistry prometheus) {
            this.prometheus = prometheus;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (request.decoderResult().isFailure()) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (!PATH.equals(path)) {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found; metrics are at " + PATH + "\n",
                        HttpUtil.isKeepAlive(request));
            } else if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n", HttpUtil.isKeepAlive(request));
            } else {
                FullHttpResponse response = response(HttpResponseStatus.OK, render(prometheus), TextFormat.CONTENT_TYPE_004);
                write(ctx, request, response, HttpUtil.isKeepAlive(request));
            }
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                    String body, boolean keepAlive) {
            FullHttpResponse response = response(status, body, "text/plain; charset=utf-8");
            if (HttpResponseStatus.METHOD_NOT_ALLOWED.equals(status)) {
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            }
            write(ctx, request, response, keepAlive);
        }

        private static FullHttpResponse response(HttpResponseStatus status, String body, String contentType) {
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            return response;
        }

        private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                                  boolean keepAlive) {
            if (HttpMethod.HEAD.equals(request.method())) {
                response.content().clear(); // Content-Length still tells the GET size
            }
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Metrics HTTP connection failed: {}", cause.toString());
            ctx.close();
        }
    }
}
