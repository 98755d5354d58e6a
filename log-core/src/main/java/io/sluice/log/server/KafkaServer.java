package io.sluice.log.server;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.log.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker in front of a {@link LogManager}: any Kafka client connects to it
 * unchanged. Netty event loops read frames, run the API handlers and write responses; the log's own
 * threads fsync and wake waiting requests.
 *
 * <pre>
 *   try (KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log)) {
 *       String bootstrap = "127.0.0.1:" + server.port();
 *   }
 * </pre>
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);
    /** The JMX domain of the server's MBeans ({@code io.sluice:name=sluice.server.*,type=...}). */
    public static final String JMX_DOMAIN = "io.sluice";
    static final String FETCH_WAITERS_GAUGE = "sluice.server.fetch-waiters";
    static final String REQUEST_MEMORY_GAUGE = "sluice.server.request-memory-used";
    /** Damaged offset ranges found when the log was opened (see io.sluice.log.DamagedRange); 0 when sound. */
    public static final String DAMAGED_RANGES_GAUGE = "sluice.server.log-damaged-ranges";
    /** Damaged batches the background scrubber found (log.scrubber.bytes.per.second); 0 when off. */
    public static final String SCRUB_PROBLEMS_GAUGE = "sluice.server.log-scrub-problems";

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final int port;
    private final MetricRegistry registry;
    private final GroupTimer.SystemTimer groupTimer;
    private final FetchWaiters fetchWaiters;
    private final JmxReporter jmx;
    private final AdminExecutor admin;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private KafkaServer(EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel, int port,
                        MetricRegistry registry, GroupTimer.SystemTimer groupTimer, FetchWaiters fetchWaiters,
                        JmxReporter jmx, AdminExecutor admin) {
        this.boss = boss;
        this.admin = admin;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.port = port;
        this.registry = registry;
        this.groupTimer = groupTimer;
        this.fetchWaiters = fetchWaiters;
        this.jmx = jmx;
    }

    /** Binds and starts serving {@code log}; returns once the port is bound. */
    public static KafkaServer start(KafkaServerConfig config, LogManager log) {
        return start(config, log, new MetricRegistry());
    }

    public static KafkaServer start(KafkaServerConfig config, LogManager log, MetricRegistry registry) {
        EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("sluice-kafka-accept", true));
        EventLoopGroup workers = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("sluice-kafka-io", true));
        GroupTimer.SystemTimer groupTimer = GroupTimer.system();
        AdminExecutor admin = new AdminExecutor();
        try {
            ServerMetrics metrics = new ServerMetrics(registry);
            FetchWaiters fetchWaiters = new FetchWaiters();
            registry.remove(FETCH_WAITERS_GAUGE); // a previous server on the same registry
            registry.gauge(FETCH_WAITERS_GAUGE, () -> fetchWaiters::size);
            ConnectionLimits limits = config.limits();
            RequestMemoryPool requestMemory = new RequestMemoryPool(limits.queuedMaxRequestBytes());
            registry.remove(DAMAGED_RANGES_GAUGE);
            registry.gauge(DAMAGED_RANGES_GAUGE, () -> () -> log.damage().values().stream().mapToInt(java.util.List::size).sum());
            registry.remove(SCRUB_PROBLEMS_GAUGE);
            registry.gauge(SCRUB_PROBLEMS_GAUGE, () -> log::scrubProblems);
            registry.remove(REQUEST_MEMORY_GAUGE);
            registry.gauge(REQUEST_MEMORY_GAUGE, () -> requestMemory::used);
            ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerIp(), metrics);
            log.setHighWatermarkListener(fetchWaiters::onHighWatermark);
            ProducerIdAllocator producerIds = new ProducerIdAllocator(log.fileIO(), log.dataDir());
            // Set once the port is bound; connections are accepted only after that (AUTO_READ below).
            java.util.concurrent.atomic.AtomicReference<BrokerIdentity> identity = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.function.Supplier<BrokerIdentity> broker = identity::get;
            int[] boundPort = {config.listenPort()};
            ConfigDescriber configs = new ConfigDescriber(log, config, broker, () -> boundPort[0]);
            Object adminLock = new Object(); // serialises read-check-modify topic administration across connections
            GroupCoordinatorConfig groupConfig = config.groups();
            OffsetStore offsets = new OffsetStore(log, groupConfig.offsetsTopicPartitions(), Time.SYSTEM);
            GroupCoordinator groups = new GroupCoordinator(groupConfig, groupTimer, offsets::hasOffsets,
                    metrics::groupRebalance);
            offsets.groups().forEach(groups::ensureGroup);
            OffsetExpiry expiry = new OffsetExpiry(groups, offsets, log, groupTimer, groupConfig.offsetsRetentionMs(),
                    groupConfig.offsetsRetentionCheckIntervalMs());
            expiry.schedule();
            ApiDispatcher dispatcher = new ApiDispatcher()
                    .register(ApiKeys.METADATA, new MetadataHandler(log, broker, config))
                    .register(ApiKeys.PRODUCE, new ProduceHandler(log, metrics))
                    .register(ApiKeys.FETCH, new FetchHandler(log, fetchWaiters, metrics))
                    .register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(log))
                    .register(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdHandler(producerIds))
                    .register(ApiKeys.CREATE_TOPICS, new CreateTopicsHandler(log, config, broker, configs, adminLock, admin))
                    .register(ApiKeys.DELETE_TOPICS, new DeleteTopicsHandler(log, adminLock, admin, expiry::topicDeleted))
                    .register(ApiKeys.CREATE_PARTITIONS, new CreatePartitionsHandler(log, broker, adminLock, admin))
                    .register(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(log, broker, configs))
                    .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, new IncrementalAlterConfigsHandler(log, broker, adminLock))
                    .register(ApiKeys.ALTER_CONFIGS, new AlterConfigsHandler(log, broker, adminLock))
                    .register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(broker))
                    .register(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups))
                    .register(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups))
                    .register(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups))
                    .register(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups))
                    .register(ApiKeys.OFFSET_COMMIT, new OffsetCommitHandler(groups, offsets, log, groupConfig, Time.SYSTEM))
                    .register(ApiKeys.OFFSET_FETCH, new OffsetFetchHandler(offsets))
                    .register(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups))
                    .register(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups))
                    .register(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups, offsets));
            dispatcher.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(dispatcher));
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 512)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ConnectionMemory memory = new ConnectionMemory(requestMemory, config.maxRequestBytes());
                            ch.pipeline()
                                    .addLast("limits", limiter)
                                    .addLast("idle", new IdleStateHandler(0, 0, limits.connectionsMaxIdleMs(),
                                            TimeUnit.MILLISECONDS))
                                    .addLast("frames", new KafkaFrameDecoder(config.maxRequestBytes(), memory,
                                            limits.requestReceiveTimeoutMs()))
                                    .addLast("requests", new ConnectionHandler(dispatcher, metrics, memory));
                        }
                    });
            Channel ch = b.bind(config.listenHost(), config.listenPort()).sync().channel();
            int port = ((InetSocketAddress) ch.localAddress()).getPort();
            boundPort[0] = port;
            String advertisedHost = config.advertisedHost() == null ? config.listenHost() : config.advertisedHost();
            int advertisedPort = config.advertisedPort() < 0 ? port : config.advertisedPort();
            identity.set(new BrokerIdentity(config.nodeId(), advertisedHost, advertisedPort, config.clusterId()));
            ch.config().setAutoRead(true); // start accepting now that Metadata knows the advertised address
            LOG.info("Kafka-protocol server listening on {}:{} (advertised {}:{})", config.listenHost(), port,
                    advertisedHost, advertisedPort);
            JmxReporter jmx = JmxReporter.forRegistry(registry).inDomain(JMX_DOMAIN).build();
            jmx.start();
            return new KafkaServer(boss, workers, ch, port, registry, groupTimer, fetchWaiters, jmx, admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            groupTimer.close();
            admin.close();
            shutdown(boss, workers);
            throw new IllegalStateException("interrupted while binding " + config.listenHost() + ":" + config.listenPort(), e);
        } catch (IOException e) {
            groupTimer.close();
            admin.close();
            shutdown(boss, workers);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            groupTimer.close();
            admin.close();
            shutdown(boss, workers);
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** The server's metrics (see ServerMetrics for the names), also reported over JMX. */
    public MetricRegistry metrics() {
        return registry;
    }

    /**
     * Stops accepting, closes every connection and stops the event loops. Does not close the log.
     * Idempotent (a shutdown hook and a try-with-resources may both call it).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        fetchWaiters.close(); // the log outlives the server: its flushes must not wake dead event loops
        serverChannel.close().syncUninterruptibly();
        groupTimer.close();
        shutdown(boss, workers);
        admin.close(); // after the connections: nothing new can be submitted
        jmx.stop();
        LOG.info("Kafka-protocol server on port {} stopped", port);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
