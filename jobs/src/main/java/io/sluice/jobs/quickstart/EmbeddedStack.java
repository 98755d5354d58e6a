package io.sluice.jobs.quickstart;

import io.sluice.audit.AuditConfig;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.audit.LogAuditor;
import io.sluice.log.audit.LogAuditorConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.SchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the quickstart and the ingest benchmark run in one process, on 127.0.0.1 and free ports: a log-core
 * log with its Kafka-protocol server, the schema registry on it, and optionally a one-datanode MiniDFSCluster;
 * on request ({@link #startLogAudit}) the log tier of the audit, as {@code sluice log-server} runs it.
 * Closed in reverse order. Not thread-safe to start or close; the services themselves are.
 */
public final class EmbeddedStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    private final LogManager log;
    private final KafkaServer kafka;
    private final SchemaRegistry registry;
    private final MiniDFSCluster dfs;
    private final Configuration hadoop;
    private final URI fsUri;
    private final KafkaServerConfig serverConfig;
    private LogAuditor auditor;

    private EmbeddedStack(LogManager log, KafkaServer kafka, SchemaRegistry registry, MiniDFSCluster dfs,
                          Configuration hadoop, URI fsUri, KafkaServerConfig serverConfig) {
        this.log = log;
        this.kafka = kafka;
        this.registry = registry;
        this.dfs = dfs;
        this.hadoop = hadoop;
        this.fsUri = fsUri;
        this.serverConfig = serverConfig;
    }

    /**
     * Starts the stack with its files under {@code dir} ({@code dir/log}, and {@code dir/dfs} with {@code hdfs}).
     * Without {@code hdfs} tables go to the local file system under {@code dir/tables}.
     */
    public static EmbeddedStack start(Path dir, boolean hdfs) {
        LogManager log = null;
        KafkaServer kafka = null;
        SchemaRegistry registry = null;
        MiniDFSCluster dfs = null;
        try {
            Files.createDirectories(dir);
            log = LogManager.open(LogManagerConfig.defaults(dir.resolve("log")));
            KafkaServerConfig serverConfig = KafkaServerConfig.defaults("127.0.0.1", 0);
            kafka = KafkaServer.start(serverConfig, log);
            registry = SchemaRegistry.start(new RegistryConfig("127.0.0.1", 0, "127.0.0.1:" + kafka.port()));
            Configuration hadoop = new Configuration();
            URI fsUri = dir.resolve("tables").toAbsolutePath().toUri();
            if (hdfs) {
                long t0 = System.nanoTime();
                hadoop.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toAbsolutePath().toString());
                dfs = new MiniDFSCluster.Builder(hadoop).numDataNodes(1).build();
                dfs.waitActive();
                fsUri = dfs.getFileSystem().getUri();
                hadoop = new Configuration(dfs.getConfiguration(0));
                LOG.info("MiniDFSCluster up at {} in {} ms", fsUri, (System.nanoTime() - t0) / 1_000_000);
            }
            return new EmbeddedStack(log, kafka, registry, dfs, hadoop, fsUri, serverConfig);
        } catch (IOException | RuntimeException e) {
            try {
                closeAll(dfs, registry, kafka, log);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("starting the embedded stack under " + dir + " failed", io);
            }
            throw (RuntimeException) e;
        }
    }

    public String bootstrap() {
        return "127.0.0.1:" + kafka.port();
    }

    public String registryUrl() {
        return "http://127.0.0.1:" + registry.port();
    }

    public LogManager log() {
        return log;
    }

    /** The Hadoop configuration for {@link #fsUri()} (the MiniDFSCluster's, or a default one). */
    public Configuration hadoop() {
        return new Configuration(hadoop);
    }

    /** {@code hdfs://127.0.0.1:<port>} of the MiniDFSCluster, or {@code file:<dir>/tables/} without one. */
    public URI fsUri() {
        return fsUri;
    }

    /**
     * A path under {@link #fsUri()}, e.g. {@code uri("/bench/plain-loop/round-1")}: on HDFS that path itself, on the
     * local file system the same path under {@code <dir>/tables}.
     */
    public URI uri(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("path must be absolute, got '" + absolutePath + "'");
        }
        String base = fsUri.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + absolutePath);
    }

    /**
     * Starts the log tier of the audit on this log, as {@code sluice log-server} does: it creates the audit topic
     * if missing, counts what becomes durable and publishes through this server, with {@code audit}'s topic,
     * buckets and publish interval. Its counts are checkpointed in the data directory under the instance id
     * {@code log/<cluster id>/<node id>}, so a later stack on the same directory continues them.
     */
    public void startLogAudit(AuditConfig audit) {
        if (auditor != null) {
            throw new IllegalStateException("the log audit is running already");
        }
        AuditConfig here = new AuditConfig(audit.topic(), audit.buckets(), audit.publishInterval(), bootstrap());
        auditor = LogAuditor.start(log, new LogAuditorConfig(here,
                LogAuditorConfig.instanceIdOf(serverConfig.clusterId(), serverConfig.nodeId())), kafka.metrics());
    }

    /**
     * Stops the log tier: it counts what became durable since its last scan and publishes its final counts, then
     * stops counting (the log keeps serving). Call it once nothing more is produced, before reading the audit.
     */
    public void stopLogAudit() {
        if (auditor != null) {
            auditor.close();
            auditor = null;
        }
    }

    /** Creates a topic on the in-process log (no overrides). */
    public void createTopic(String name, int partitions) {
        log.createTopic(name, partitions, Map.of());
    }

    /** Per partition of {@code topic}, its current log end offset, as a consumer sees it. */
    public Map<Integer, Long> endOffsets(String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            Collection<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<Integer, Long> ends = new java.util.TreeMap<>();
            consumer.endOffsets(tps, Duration.ofSeconds(30)).forEach((tp, o) -> ends.put(tp.partition(), o));
            return ends;
        }
    }

    @Override
    public void close() {
        try {
            stopLogAudit(); // before the server: its last counts are published through it
        } catch (RuntimeException e) {
            LOG.warn("Stopping the log audit failed: {}", e.toString());
        }
        closeAll(dfs, registry, kafka, log);
    }

    private static void closeAll(MiniDFSCluster dfs, SchemaRegistry registry, KafkaServer kafka, LogManager log) {
        RuntimeException first = null;
        for (AutoCloseable c : new AutoCloseable[] {dfs == null ? null : dfs::shutdown, registry, kafka, log}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException r ? r : new RuntimeException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
