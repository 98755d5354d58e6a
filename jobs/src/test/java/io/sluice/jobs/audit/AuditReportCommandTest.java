package io.sluice.jobs.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditCounter;
import io.sluice.audit.AuditPublisher;
import io.sluice.audit.Buckets;
import io.sluice.audit.RecordDigest;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditAggregator;
import io.sluice.audit.aggregate.AuditStore;
import io.sluice.jobs.SluiceCli;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The aggregator and {@code sluice audit report} against log-core in this JVM: tiers publish their counts with
 * the real {@link AuditPublisher} to a two-partition audit topic, the report reads them back.
 *
 * <p>The flow: 60 records of topic "clicks", record i at {@code T0 + i * 30 s} (20 per ten-minute bucket); the
 * producer and the log count all of them, the sink loses records 25, 26 and 31 (bucket 1).
 */
class AuditReportCommandTest {
    static final long T0 = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    static final String TOPIC = "clicks";

    @TempDir
    Path tmp;

    private LogManager log;
    private KafkaServer server;
    private final List<AuditPublisher> publishers = new ArrayList<>();

    @BeforeEach
    void startLog() {
        log = LogManager.open(LogManagerConfig.defaults(tmp.resolve("log")));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        log.createTopic(AuditConfig.DEFAULT_TOPIC, 2, Map.of());
    }

    @AfterEach
    void stopLog() {
        publishers.forEach(AuditPublisher::close);
        server.close();
        log.close();
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    static long ts(int i) {
        return T0 + i * 30_000L;
    }

    static long hash(int i) {
        return RecordDigest.of(("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** A tier instance that counted records [0, 60) except {@code lost}, and has got 4 h past T0. */
    AuditPublisher tier(Tier tier, String id, boolean digests, int... lost) {
        AuditCounter c = new AuditCounter(tier, new Buckets(Duration.ofMinutes(10)));
        for (int i = 0; i < 60; i++) {
            final int n = i;
            if (java.util.Arrays.stream(lost).noneMatch(x -> x == n)) {
                c.record(TOPIC, ts(i), digests ? hash(i) : 0, ts(i) + 200 + (tier.ordinal() * 1_000L));
            }
        }
        c.advanced(TOPIC, 0, 59, T0 + 4 * 3_600_000L);
        AuditConfig config = AuditConfig.from(Map.of("bootstrap.servers", bootstrap(),
                AuditConfig.PUBLISH_INTERVAL_MS, "3600000"));
        AuditPublisher p = new AuditPublisher(c, id, digests, config);
        publishers.add(p);
        return p;
    }

    /** Producer (interceptor: counts only), log and sink publish; the sink lost three records of bucket 1. */
    void publishFlow() {
        tier(Tier.PRODUCER, "producer/test/1", false).close();
        tier(Tier.LOG, "log/test/clicks-0", true).close();
        tier(Tier.SINK, "sink/test/clicks-0", true, 25, 26, 31).close();
    }

    record Run(int exit, String out, String err) {}

    Run sluice(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("audit"));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void jsonReportGivesTheExactStatusAndCountsOfEveryBucket() throws Exception {
        // given
        publishFlow();

        // when
        Run run = sluice("report", "--bootstrap", bootstrap(), "--topic", TOPIC, "--format", "json",
                "--from", Instant.ofEpochMilli(T0).toString(), "--to", Long.toString(T0 + 1_800_000));

        // then
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(run.out());
        JsonNode topic = root.get("topics").get(0);
        assertThat(topic.get("topic").asText()).isEqualTo(TOPIC);
        assertThat(topic.get("tiers_compared").findValuesAsText("tier")).containsExactly("PRODUCER", "LOG", "SINK");
        assertThat(topic.get("tiers_compared").get(0).get("digests").asBoolean()).isFalse();
        JsonNode buckets = topic.get("buckets");
        assertThat(buckets.findValuesAsText("status")).containsExactly("COMPLETE", "INCOMPLETE", "COMPLETE");
        JsonNode lossy = buckets.get(1);
        assertThat(lossy.get("start").asText()).isEqualTo("2026-03-01T00:10:00Z");
        assertThat(lossy.get("missing").asLong()).isEqualTo(3);
        assertThat(lossy.get("lost_between").get("upstream").asText()).isEqualTo("LOG");
        assertThat(lossy.get("lost_between").get("downstream").asText()).isEqualTo("SINK");
        assertThat(lossy.get("tiers").get("SINK").get("count").asLong()).isEqualTo(17);
        assertThat(lossy.get("tiers").get("LOG").get("count").asLong()).isEqualTo(20);
        assertThat(lossy.get("tiers").get("SINK").get("latency_ms").get("max").asLong()).isEqualTo(2_200);
        assertThat(topic.get("summary").get("INCOMPLETE").asInt()).isEqualTo(1);
    }

    @Test
    void tableReportListsBucketsInTimeOrderWithTheirStatus() {
        publishFlow();

        Run run = sluice("report", "--bootstrap", bootstrap(), "--topic", TOPIC, "--to", "2026-03-01T00:30:00Z");

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Topic clicks: tiers compared PRODUCER (count only), LOG, SINK; buckets of 10m,"
                + " lateness 1h");
        assertThat(lines).filteredOn(l -> l.startsWith("2026-")).hasSize(3)
                .satisfiesExactly(
                        l -> assertThat(l).startsWith("2026-03-01T00:00:00Z  COMPLETE"),
                        l -> assertThat(l).startsWith("2026-03-01T00:10:00Z  INCOMPLETE").contains(" 3 ")
                                .contains("LOG->SINK"),
                        l -> assertThat(l).startsWith("2026-03-01T00:20:00Z  COMPLETE"));
    }

    @Test
    void htmlReportIsOneSelfContainedPageWithProblemBucketsFirst() throws Exception {
        publishFlow();
        Path page = tmp.resolve("report/audit.html");

        Run run = sluice("report", "--bootstrap", bootstrap(), "--format", "html", "--out", page.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        String html = Files.readString(page);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("<style>")
                .doesNotContain("http").doesNotContain("<script").doesNotContain("src=").doesNotContain("href=")
                .doesNotContain("@import").doesNotContain("url(");
        assertThat(html.indexOf("Problem buckets (1)")).isPositive().isLessThan(html.indexOf("All buckets"));
        assertThat(html).contains("Tiers compared: PRODUCER (count only), LOG, SINK.");
    }

    @Test
    void aggregatorResumesFromTheStoredOffsetsAndIgnoresResentMessages() throws Exception {
        // given: a first catch-up with state
        publishFlow();
        AuditStore store = new AuditStore(tmp.resolve("state"));
        AuditAggregator.Settings settings = AuditAggregator.Settings.of(bootstrap());
        long first;
        try (AuditAggregator a = AuditAggregator.open(settings, store, new MetricRegistry())) {
            first = a.catchUp(Duration.ofSeconds(30));
            assertThat(a.health().get(TOPIC).problems()).isEqualTo(1);
        }
        assertThat(first).isEqualTo(3);
        assertThat(store.load().orElseThrow().nextOffsets().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(3);

        // when: the sink instance is restarted with a new id and commits the three lost records (a repair),
        // and the log re-sends its counts (same instance, same seq: a duplicated audit message)
        AuditCounter repair = new AuditCounter(Tier.SINK, new Buckets(Duration.ofMinutes(10)));
        for (int i : new int[] {25, 26, 31}) {
            repair.record(TOPIC, ts(i), hash(i), ts(i) + 5_000);
        }
        repair.advanced(TOPIC, 0, 59, T0 + 4 * 3_600_000L);
        AuditPublisher p = new AuditPublisher(repair, "sink/test/clicks-0-restarted", true,
                AuditConfig.from(Map.of("bootstrap.servers", bootstrap(), AuditConfig.PUBLISH_INTERVAL_MS, "3600000")));
        p.close();
        resendLastAuditMessage();

        // then: the next aggregator reads only the two new messages, and the bucket is complete
        try (AuditAggregator a = AuditAggregator.open(settings, store, new MetricRegistry())) {
            long second = a.catchUp(Duration.ofSeconds(30));
            assertThat(second).isEqualTo(2);
            assertThat(a.health().get(TOPIC).problems()).isZero();
            assertThat(a.ledger().view(TOPIC).buckets().get(T0 + 600_000).get(Tier.SINK).digest().count()).isEqualTo(20);
        }
        Run run = sluice("report", "--bootstrap", bootstrap(), "--state-dir", tmp.resolve("state").toString(),
                "--topic", TOPIC, "--format", "json", "--to", Long.toString(T0 + 1_800_000));
        JsonNode buckets = new ObjectMapper().readTree(run.out()).get("topics").get(0).get("buckets");
        assertThat(buckets.findValuesAsText("status")).containsOnly("COMPLETE");
        assertThat(buckets.get(1).get("tiers").get("SINK").get("count").asLong()).isEqualTo(20);
    }

    /** Copies the first audit message of partition 0 or 1 back onto the audit topic, as a retrying producer might. */
    private void resendLastAuditMessage() throws Exception {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
             var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props,
                     new org.apache.kafka.common.serialization.ByteArraySerializer(),
                     new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            var partitions = List.of(new org.apache.kafka.common.TopicPartition(AuditConfig.DEFAULT_TOPIC, 0),
                    new org.apache.kafka.common.TopicPartition(AuditConfig.DEFAULT_TOPIC, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    var r = records.iterator().next();
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(r.topic(), r.partition(),
                            r.key(), r.value())).get();
                    return;
                }
            }
            throw new AssertionError("no audit message to re-send");
        }
    }

    @Test
    void aggregateRunsUntilStoppedAndKeepsItsState() throws Exception {
        // given
        publishFlow();
        Path state = tmp.resolve("service");
        StringWriter out = new StringWriter();
        CommandLine cl = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        AuditAggregateCommand command = cl.getSubcommands().get("audit").getSubcommands().get("aggregate").getCommand();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> exit = runner.submit(() -> cl.execute("audit", "aggregate", "--bootstrap", bootstrap(),
                    "--state-dir", state.toString(), "--snapshot-interval", "100ms"));

            // when: it has judged the topic
            AuditAggregator a = command.awaitStarted(30, TimeUnit.SECONDS);
            assertThat(a).isNotNull();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!a.health().containsKey(TOPIC) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            command.stop();

            // then
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(out.toString()).startsWith("sluice audit aggregate consuming _sluice_audit at " + bootstrap());
            AuditStore.Snapshot saved = new AuditStore(state).load().orElseThrow();
            assertThat(saved.ledger().topics()).containsExactly(TOPIC);
            assertThat(saved.nextOffsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
        } finally {
            runner.shutdownNow();
        }
    }
}
