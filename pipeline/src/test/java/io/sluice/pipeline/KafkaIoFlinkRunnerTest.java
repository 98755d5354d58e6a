package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An unbounded KafkaIO read with {@code commitOffsetsInFinalize()} on the Flink runner (embedded
 * mini-cluster, checkpointing on) reads every record of a log-core topic and, as checkpoints
 * complete, commits its consumer group's offsets to the log end of every partition. KafkaIO assigns
 * the partitions itself, so the commits come from a consumer that is not a group member (generation
 * -1) — the case the server's OffsetCommit must accept.
 */
class KafkaIoFlinkRunnerTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaIoFlinkRunnerTest.class);

    static final String TOPIC = "clicks";
    static final String GROUP = "beam-flink-reader";
    static final int PARTITIONS = 4;
    static final int RECORDS = 20_000;
    static final long BASE_TIMESTAMP = 1_700_000_000_000L;
    static final Duration PATIENCE = Duration.ofSeconds(60);

    /** What the Flink tasks saw; they run in this JVM, so a static is shared with the test. */
    static final AtomicLong SEEN = new AtomicLong();
    static final Set<String> DISTINCT = ConcurrentHashMap.newKeySet();

    @TempDir
    Path dir;
    LogCoreBroker broker;
    PipelineResult job;

    @BeforeEach
    void start() {
        SEEN.set(0);
        DISTINCT.clear();
        broker = LogCoreBroker.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (job != null && !ended(job)) {
                job.cancel();
            }
        } finally {
            broker.close();
        }
    }

    @Test
    void unboundedReadOnFlinkCommitsTheGroupOffsetsAtCheckpoints() throws Exception {
        // given 20,000 records over 4 partitions
        long p0 = System.nanoTime();
        List<LogCoreBroker.Produced> produced = broker.createAndProduce(TOPIC, PARTITIONS, RECORDS, BASE_TIMESTAMP);
        LOG.info("produced {} records in {} ms", RECORDS, ms(p0));
        Map<TopicPartition, Long> logEnd = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            logEnd.put(new TopicPartition(TOPIC, p), broker.log().partition(TOPIC, p).highWatermark());
        }

        // when an unbounded KafkaIO read runs on an embedded Flink with checkpoints every second
        FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
        options.setRunner(FlinkRunner.class);
        options.setFlinkMaster("[local]");
        options.setStreaming(true);
        options.setCheckpointingInterval(1_000L);
        options.setParallelism(2);
        // run() returns at once and the job runs until cancelled (Beam warns that detached mode is for remote
        // clusters, but a local environment honours it: it submits with executeAsync)
        options.setAttachedMode(false);
        options.setNumberOfExecutionRetries(0); // a failing source fails the job instead of restarting it
        Pipeline pipeline = Pipeline.create(options);
        pipeline.apply(KafkaIO.<String, String>read()
                        .withBootstrapServers(broker.bootstrap())
                        .withTopic(TOPIC)
                        .withKeyDeserializer(StringDeserializer.class)
                        .withValueDeserializer(StringDeserializer.class)
                        .withConsumerConfigUpdates(Map.of(
                                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))
                        .commitOffsetsInFinalize())
                .apply(ParDo.of(new Remember()));
        long t0 = System.nanoTime();
        job = pipeline.run();
        LOG.info("run() returned (Flink mini-cluster up, job submitted) in {} ms", ms(t0));

        // then every record is seen ...
        awaitWhileRunning("all " + RECORDS + " records seen by the Flink job",
                () -> "seen " + DISTINCT.size() + " distinct records", () -> DISTINCT.size() >= RECORDS);
        LOG.info("all {} records seen {} ms after run() ({} deliveries)", RECORDS, ms(t0), SEEN.get());
        new ExactlyTheseRecords("records the Flink job read",
                produced.stream().map(LogCoreBroker.Produced::description).toList()).apply(DISTINCT);

        // ... and a later checkpoint commits the group's offsets up to the log end of every partition
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        Map<TopicPartition, Long> committed = new HashMap<>();
        try (Admin client = Admin.create(admin)) {
            awaitWhileRunning("the offsets of group " + GROUP + " committed up to " + logEnd,
                    () -> "last committed " + committed, () -> {
                committed.clear();
                committed.putAll(committedOffsets(client));
                return committed.equals(logEnd);
            });
        }
        LOG.info("offsets of group {} committed to the log end {} ms after run()", GROUP, ms(t0));
        assertThat(committed).as("committed offsets of group %s", GROUP).isEqualTo(logEnd);

        long c0 = System.nanoTime();
        job.cancel();
        long stopDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ended(job) && System.nanoTime() < stopDeadline) {
            Thread.sleep(50); // let the tasks close their consumers before the broker goes away
        }
        LOG.info("Flink job cancelled in {} ms; {} ms in all", ms(c0), ms(t0));
    }

    private static Map<TopicPartition, Long> committedOffsets(Admin client) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = client.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, Long> result = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    result.put(tp, om.offset());
                }
            });
            return result;
        } catch (Exception e) {
            throw new AssertionError("listing the committed offsets of group " + GROUP + " failed", e);
        }
    }

    /** Polls {@code condition} until it holds; fails at once if the job ends, or after {@link #PATIENCE}. */
    private void awaitWhileRunning(String what, Supplier<String> progress, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (ended(job)) {
                throw new AssertionError("the Flink job ended before " + what + "; " + progress.get()
                        + " (the task failure is in the test output)");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE.toSeconds() + " s waiting for " + what
                        + "; " + progress.get());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Whether the job is over. A local detached job runs on a per-job mini-cluster that shuts down with
     * the job, after which its state can no longer be asked.
     */
    private static boolean ended(PipelineResult job) {
        try {
            return job.getState().isTerminal();
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static long ms(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Records each record's description in the shared set. */
    static final class Remember extends DoFn<KafkaRecord<String, String>, Void> {
        private static final long serialVersionUID = 1L;

        @ProcessElement
        public void process(@Element KafkaRecord<String, String> r) {
            SEEN.incrementAndGet();
            DISTINCT.add(LogCoreBroker.describe(r.getTopic(), r.getPartition(), r.getOffset(),
                    r.getTimestampType().toString(), r.getTimestamp(), r.getKV().getKey(), r.getKV().getValue()));
        }
    }
}
