package io.sluice.registry;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible Avro schema registry: the REST API on Netty's HTTP codec, schemas stored in a compacted
 * Kafka topic through kafka-clients. Runs against any Kafka cluster (or Sluice's own log-server).
 */
public final class SchemaRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistry.class);
    private static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    /** Netty's defaults for the request line and the headers, named so that the errors can say them. */
    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;

    private final SchemaStore store;
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final ExecutorService workers;
    private final Channel channel;
    private volatile boolean closed;

    private SchemaRegistry(SchemaStore store, EventLoopGroup boss, EventLoopGroup io, ExecutorService workers,
                           Channel channel) {
        this.store = store;
        this.boss = boss;
        this.io = io;
        this.workers = workers;
        this.channel = channel;
    }

    /** Reads the schemas topic to its end (creating it if missing), then starts listening. */
    public static SchemaRegistry start(RegistryConfig config) {
        SchemaStore store = SchemaStore.open(config.bootstrapServers(), config.topic());
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup io = new NioEventLoopGroup(2);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sluice-registry-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        RestHandler handler = new RestHandler(store, workers);
        try {
            Channel ch = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 8192))
                                    .addLast(new HttpServerExpectContinueHandler())
                                    .addLast(new JsonErrorAggregator(MAX_REQUEST_BYTES))
                                    .addLast("registry", handler);
                        }
                    })
                    .bind(new InetSocketAddress(config.listenHost(), config.listenPort())).syncUninterruptibly().channel();
            SchemaRegistry r = new SchemaRegistry(store, boss, io, workers, ch);
            LOG.info("schema registry listening on {}:{}, schemas in topic {} at {}", config.listenHost(), r.port(),
                    config.topic(), config.bootstrapServers());
            return r;
        } catch (Exception e) { // Netty throws a bind failure (java.net.BindException) without declaring it
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            io.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownNow();
            store.close();
            if (e instanceof java.io.IOException ioe) {
                throw new java.io.UncheckedIOException("cannot listen on " + config.listenHost() + ":"
                        + config.listenPort() + ": " + ioe.getMessage(), ioe);
            }
            throw e;
        }
    }

    /** The bound HTTP port. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The store behind the REST API. */
    public SchemaStore store() {
        return store;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        store.close();
    }
}
