package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code sluice log-server} run in-process on a free port, with the real Kafka client talking to it. */
class LogServerCommandTest {
    @TempDir
    Path tmp;

    private final ExecutorService runner = Executors.newSingleThreadExecutor();

    @AfterEach
    void shutdownRunner() {
        runner.shutdownNow();
    }

    /** A started {@code sluice log-server}: its command object, its exit code to come and its output. */
    record Server(LogServerCommand command, Future<Integer> exit, StringWriter out, StringWriter err) {
        String bootstrap() {
            return "127.0.0.1:" + command.port();
        }

        /** Stops it as SIGTERM would and returns the exit code. */
        int stop() throws Exception {
            command.stop();
            return exit.get(30, TimeUnit.SECONDS);
        }
    }

    Path dataDir() {
        return tmp.resolve("log");
    }

    /** Runs {@code sluice log-server ARGS} on a thread and waits until it listens (or fails). */
    Server start(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                new PrintWriter(err, true));
        LogServerCommand command = cl.getSubcommands().get("log-server").getCommand();
        List<String> all = new ArrayList<>(List.of("log-server"));
        all.addAll(List.of(args));
        if (!all.contains("--registry-listen")) {
            all.addAll(List.of("--registry-listen", "off")); // the registry has its own test below
        }
        Future<Integer> exit = runner.submit(() -> cl.execute(all.toArray(String[]::new)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!command.awaitReady(50, TimeUnit.MILLISECONDS)) {
            if (exit.isDone() || System.nanoTime() > deadline) {
                break;
            }
        }
        return new Server(command, exit, out, err);
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Reads {@code n} values of one partition from the start, with assign (no group). */
    static List<String> consume(String bootstrap, TopicPartition tp, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    @Test
    void producedRecordsAreReadBackByAConsumerAndStopClosesTheLogCleanly() throws Exception {
        // given
        Server server = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString());
        assertThat(server.command().port()).as("bound port; stderr: %s", server.err()).isPositive();
        List<String> sent = IntStream.range(0, 100).mapToObj(i -> "value-" + i).toList();

        // when: the topic does not exist; the producer's Metadata request creates it
        try (KafkaProducer<String, String> p = producer(server.bootstrap())) {
            for (String v : sent) {
                p.send(new ProducerRecord<>("events", 0, null, v));
            }
            p.flush();
        }
        List<String> read = consume(server.bootstrap(), new TopicPartition("events", 0), sent.size());
        int exit = server.stop();

        // then
        assertThat(server.out().toString()).as("the ready line").isEqualTo("sluice log-server listening on 127.0.0.1:"
                + server.command().port() + " (advertised 127.0.0.1:" + server.command().port() + ", data dir "
                + dataDir().toAbsolutePath().normalize() + ")" + System.lineSeparator());
        assertThat(read).as("values read back from events-0").isEqualTo(sent);
        assertThat(exit).as("exit code; stderr: %s", server.err()).isZero();
        assertThat(dataDir().resolve(".clean-shutdown")).as("clean-shutdown marker").exists();
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            assertThat(m.partition("events", 0).highWatermark()).as("high watermark of events-0 after reopening")
                    .isEqualTo(sent.size());
        }
    }

    @Test
    void theServerCountsWhatBecameDurableAndPublishesItToTheAuditTopicAtStop() throws Exception {
        // given
        Server server = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString());
        assertThat(server.command().port()).as("bound port; stderr: %s", server.err()).isPositive();
        long ts = 1_700_000_000_000L;
        long digestSum = 0;
        try (KafkaProducer<String, String> p = producer(server.bootstrap())) {
            for (int i = 0; i < 50; i++) {
                p.send(new ProducerRecord<>("events", 0, ts + i, "k" + i, "v" + i));
                digestSum += io.sluice.audit.RecordDigest.of(("k" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        ("v" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            p.flush();
        }

        // when
        assertThat(server.stop()).as("exit code; stderr: %s", server.err()).isZero();

        // then: the last audit message holds the 50 records in their bucket, with their digest
        assertThat(dataDir().resolve("audit.checkpoint")).exists();
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            io.sluice.log.PartitionLog audit = m.partition("_sluice_audit", 0);
            List<io.sluice.audit.AuditMessage> messages = new ArrayList<>();
            for (org.apache.kafka.common.record.RecordBatch b : audit.read(0, 1 << 20).records().batches()) {
                for (org.apache.kafka.common.record.Record r : b) {
                    byte[] bytes = new byte[r.valueSize()];
                    r.value().get(bytes);
                    messages.add(io.sluice.audit.AuditMessage.decode(bytes));
                }
            }
            io.sluice.audit.AuditMessage last = messages.get(messages.size() - 1);
            assertThat(last.last()).isTrue();
            assertThat(last.instanceId()).isEqualTo("log/sluice-cluster/0");
            io.sluice.audit.BucketCounts events = messages.stream().flatMap(x -> x.buckets().stream())
                    .filter(b -> b.topic().equals("events")).reduce((x, y) -> y).orElseThrow();
            assertThat(events.bucketStart()).isEqualTo(io.sluice.audit.Buckets.DEFAULT.toMillis() * (ts / 600_000));
            assertThat(events.digest().count()).isEqualTo(50);
            assertThat(events.digest().sum()).isEqualTo(digestSum);
        }
    }

    @Test
    void configFileSetsIdentityAutoCreatedPartitionsAndTopicDefaultsAndAdvertiseSetsTheAddress() throws Exception {
        // given: a port known before the server binds it, so that the advertised address can name it
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = tmp.resolve("log-server.yaml");
        Files.writeString(conf, """
                node.id: 7
                cluster.id: test-cluster
                num.partitions: 3
                log.dir: %s
                topic.defaults:
                  retention.ms: 3600000
                """.formatted(dataDir()));
        Server server = start("--listen", "127.0.0.1:" + port, "--advertise", "localhost:" + port,
                "--config-file", conf.toString());
        assertThat(server.command().port()).as("bound port; stderr: %s", server.err()).isEqualTo(port);

        // when
        Node node;
        String clusterId;
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap());
        try (Admin admin = Admin.create(ap)) {
            DescribeClusterResult cluster = admin.describeCluster();
            node = cluster.nodes().get(30, TimeUnit.SECONDS).iterator().next();
            clusterId = cluster.clusterId().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> p = producer(server.bootstrap())) {
            p.send(new ProducerRecord<>("auto", "k", "v")).get(30, TimeUnit.SECONDS);
        }
        int exit = server.stop();

        // then
        assertThat(server.out().toString()).as("ready line").contains("(advertised localhost:" + port + ", data dir "
                + dataDir().toAbsolutePath().normalize() + ")");
        assertThat(List.of(node.id(), node.host(), node.port())).as("the broker in Metadata")
                .isEqualTo(List.of(7, "localhost", port));
        assertThat(clusterId).isEqualTo("test-cluster");
        assertThat(exit).as("exit code; stderr: %s", server.err()).isZero();
        try (LogManager m = LogManager.open(LogSettings.load(conf).managerConfig(dataDir()))) {
            assertThat(m.topic("auto").orElseThrow().partitions()).as("partitions of the auto-created topic").isEqualTo(3);
            assertThat(m.topic("auto").orElseThrow().config().overrides()).as("stored overrides").isEmpty();
            assertThat(m.partition("auto", 0).config().retentionMs()).as("retention.ms from topic.defaults")
                    .isEqualTo(3_600_000L);
        }
    }

    @Test
    void aPortInUseFailsWithOneLineAndLeavesTheLogClosedCleanly() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            // when
            Server server = start("--listen", "127.0.0.1:" + taken.getLocalPort(), "--data-dir", dataDir().toString());
            int exit = server.exit().get(30, TimeUnit.SECONDS);

            // then
            assertThat(exit).as("exit code; stderr: %s", server.err()).isEqualTo(1);
            assertThat(server.err().toString()).as("error line").contains("sluice log-server: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort());
            assertThat(server.out().toString()).as("no ready line").isEmpty();
            assertThat(dataDir().resolve(".clean-shutdown")).as("clean-shutdown marker").exists();
        }
    }

    @Test
    void badAddressesAreUsageErrors() throws Exception {
        // when
        Server noPort = start("--listen", "127.0.0.1", "--data-dir", dataDir().toString());
        Server wildcard = start("--listen", "0.0.0.0:0", "--data-dir", dataDir().toString());
        Server badPort = start("--listen", "127.0.0.1:70000", "--data-dir", dataDir().toString());
        Server advertiseZero = start("--advertise", "host:0", "--data-dir", dataDir().toString());

        // then
        for (Server s : List.of(noPort, wildcard, badPort, advertiseZero)) {
            assertThat(s.exit().get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", s.err()).isEqualTo(2);
        }
        assertThat(noPort.err().toString()).contains("--listen").contains("expected HOST:PORT");
        assertThat(wildcard.err().toString()).contains("needs --advertise");
        assertThat(badPort.err().toString()).contains("not in [0, 65535]");
        assertThat(advertiseZero.err().toString()).contains("--advertise needs a port");
        assertThat(dataDir()).as("nothing was opened").doesNotExist();
    }

    @Test
    void aBadConfigFileIsRefusedBeforeAnythingIsOpened() throws Exception {
        // given
        Path conf = tmp.resolve("bad.yaml");
        Files.writeString(conf, "num.partitions: 0\n");

        // when
        Server server = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString(), "--config-file",
                conf.toString());

        // then
        assertThat(server.exit().get(30, TimeUnit.SECONDS)).as("exit code (the user's error); stderr: %s", server.err())
                .isEqualTo(2);
        assertThat(server.err().toString()).contains(conf.toString()).contains("'num.partitions'");
        assertThat(dataDir()).as("nothing was opened").doesNotExist();
    }

    @Test
    void takenMetricsAndRegistryPortsCostAWarningNamingTheAddressAndTheServerRuns() throws Exception {
        // given: a second server on one machine finds the side ports taken
        Logger logger = (Logger) LoggerFactory.getLogger(LogServerCommand.class);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        logger.addAppender(warnings);
        try (ServerSocket metrics = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             ServerSocket registry = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String metricsAt = "127.0.0.1:" + metrics.getLocalPort();
            String registryAt = "127.0.0.1:" + registry.getLocalPort();

            // when
            Server server = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString(), "--metrics-listen",
                    metricsAt, "--registry-listen", registryAt);

            // then
            assertThat(server.exit()).as("the server runs; stderr: %s", server.err()).isNotDone();
            assertThat(server.command().port()).isPositive();
            assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains(metricsAt).contains("Address already in use"))
                    .anySatisfy(m -> assertThat(m).contains(registryAt).contains("Address already in use"));
            assertThat(server.stop()).isZero();
        } finally {
            logger.detachAppender(warnings);
        }
    }

    @Test
    void metricsListenTakesAnAddressOrOff() throws Exception {
        // when
        Server bad = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString(), "--metrics-listen", "nowhere");
        Server off = start("--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("other").toString(), "--metrics-listen",
                "off", "--registry-listen", "off");

        // then
        assertThat(bad.exit().get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", bad.err()).isEqualTo(2);
        assertThat(bad.err().toString()).contains("--metrics-listen must be HOST:PORT or off, not 'nowhere'");
        assertThat(off.command().port()).as("stderr: %s", off.err()).isPositive();
        assertThat(off.stop()).isZero();
    }

    @Test
    void registryListenServesTheSchemaRegistryStoringIntoThisServer() throws Exception {
        // given
        Server server = start("--listen", "127.0.0.1:0", "--data-dir", dataDir().toString(), "--registry-listen",
                "127.0.0.1:0");
        int registryPort = server.command().registryPort();
        assertThat(registryPort).as("registry port; stderr: %s", server.err()).isPositive();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String schema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"E\\\",\\\"fields\\\":[]}";

        // when
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + registryPort + "/subjects/demo-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + schema + "\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        int exit = server.stop();

        // then
        assertThat(r.statusCode()).as("register: %s", r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":1}");
        assertThat(server.out().toString()).as("ready lines").contains("schema registry listening on 127.0.0.1:" + registryPort);
        assertThat(exit).as("exit code; stderr: %s", server.err()).isZero();
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            assertThat(m.partition("_schemas", 0).highWatermark()).as("records in _schemas").isEqualTo(1);
        }
    }
}
