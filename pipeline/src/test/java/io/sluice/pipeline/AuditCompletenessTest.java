package io.sluice.pipeline;

import static io.sluice.pipeline.AuditBatch.bucket;
import static io.sluice.pipeline.AuditVerdicts.assertCompleteExcept;
import static io.sluice.pipeline.AuditVerdicts.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.AuditingProducer;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clean runs report every judged bucket COMPLETE with every record counted once in every tier, and neither a restarted
 * tier nor a re-sent audit message changes a count or a verdict. Through the real parts, as
 * {@link AuditFaultInjectionTest}.
 */
class AuditCompletenessTest {
    private static final Logger LOG = LoggerFactory.getLogger(AuditCompletenessTest.class);

    @TempDir
    static Path dir;
    static AuditedStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = AuditedStack.start(dir);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void fiftyThousandRecordsOverThreePartitionsAreCompleteInEveryJudgedBucket() throws Exception {
        cleanRun("clean-50k", 50_000, 12);
    }

    @Test
    @Tag("slow")
    void aMillionRecordsOverThreePartitionsAreCompleteInEveryJudgedBucket() throws Exception {
        cleanRun("clean-1m", 1_000_000, 24);
    }

    /** {@code n} page views spread over {@code buckets} buckets and three partitions, produced, then ingested. */
    private static void cleanRun(String topic, int n, int buckets) throws Exception {
        // given n page views in three partitions (by key), counted by the producer and log tiers
        stack.env.createTopic(topic, 3);
        AuditBatch views = new AuditBatch("v", n, bucket(0), bucket(buckets));
        long started = System.nanoTime();
        stack.produce(topic, null, views);
        long produced = System.nanoTime();

        // when a pipeline ingests them and the warehouse is recounted
        SluiceIngest ingest = stack.ingest(topic, "snappy");
        // the DirectRunner reads ten records a bundle: about a thousand a second here
        stack.ingestAll(ingest, Duration.ofSeconds(60 + n / 250));
        long ingested = System.nanoTime();
        stack.verifyWarehouse(ingest, topic);
        long verified = System.nanoTime();
        LOG.info("{}: {} records produced in {} ms, ingested in {} ms, verified in {} ms", topic, n,
                (produced - started) / 1_000_000, (ingested - produced) / 1_000_000, (verified - ingested) / 1_000_000);

        // then every bucket, the newest too, is COMPLETE with its records counted once in each tier
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        SortedMap<Long, Long> expected = views.perBucket();
        assertThat(expected).hasSize(buckets);
        assertCompleteExcept(verdicts, expected, Set.of());
        assertThat(last(verdicts).status()).as("the newest bucket: every tier was caught up").isEqualTo(BucketStatus.COMPLETE);
        // and every tier counted all n, the last bucket included
        for (Tier t : AuditVerdicts.ALL_TIERS) {
            assertThat(verdicts.stream().mapToLong(v -> v.tiers().get(t).count()).sum()).as("%s total", t)
                    .isEqualTo(n);
        }
    }

    @Test
    void aLogTierAndAJobRestartedMidStreamCountEveryRecordOnce() throws Exception {
        // given 100 page views in each of buckets 0-2 over two partitions, ingested by a running job
        String topic = "restarts";
        stack.env.createTopic(topic, 2);
        AuditBatch first = AuditBatch.inBuckets("a-", 100, 0, 2);
        AuditBatch second = AuditBatch.inBuckets("b-", 100, 3, 5);
        AuditBatch third = AuditBatch.inBuckets("c-", 100, 6, 8);
        SluiceIngest ingest = stack.ingest(topic, "snappy");
        stack.produce(topic, null, first);
        try (IngestionJob job = stack.job(ingest)) {
            job.start();
            assertThat(job.awaitCaughtUp(AuditedStack.PATIENCE)).as("caught up: %s", job).isTrue();

            // when, while the job runs, the log tier is restarted between two halves of the next page views
            try (AuditingProducer<String, Object> producer = stack.producer()) {
                AuditedStack.send(producer, topic, null, second, 0, 150);
                stack.restartLogTier();
                AuditedStack.send(producer, topic, null, second, 150, second.count());
            }
            // and the job is stopped without waiting for it to catch up
            LOG.info("stopping the job with lag {}", job.lag());
        }
        // and a new job resumes from the journals while more page views arrive
        try (IngestionJob job = stack.job(ingest)) {
            job.start();
            stack.produce(topic, null, third);
            assertThat(job.awaitCaughtUp(AuditedStack.PATIENCE)).as("caught up: %s", job).isTrue();
            assertThat(job.starts()).isEqualTo(1);
        }
        stack.verifyWarehouse(ingest, topic);

        // then every judged bucket is COMPLETE with exactly its 100 in every tier
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        assertCompleteExcept(verdicts, AuditBatch.sum(first.perBucket(), second.perBucket(), third.perBucket()),
                Set.of());
        AuditVerdicts.assertNewestComplete(verdicts, 100);
        // and the restarted log tier is one instance, each source partition one sink instance
        Map<String, Long> instances = new TreeMap<>();
        stack.ledger().instancesOf(topic).forEach(i -> instances.merge(i.substring(0, i.indexOf(' ')), 1L, Long::sum));
        assertThat(instances).isEqualTo(Map.of("PRODUCER", 3L, "LOG", 1L, "SINK", 2L, "WAREHOUSE", 1L));
    }

    @Test
    void everyAuditMessageSentAgainChangesNoCountAndNoVerdict() throws Exception {
        // given 50 page views in each of buckets 0-5 ingested and recounted
        String topic = "resent-audit";
        stack.env.createTopic(topic, 1);
        AuditBatch views = AuditBatch.inBuckets("v-", 50, 0, 5);
        stack.produce(topic, 0, views);
        SluiceIngest ingest = stack.ingest(topic, "snappy");
        stack.ingestAll(ingest);
        stack.verifyWarehouse(ingest, topic);
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        assertCompleteExcept(verdicts, views.perBucket(), Set.of());
        AuditVerdicts.assertNewestComplete(verdicts, 50);
        AuditLedger before = stack.ledger();
        Map<String, List<BucketVerdict>> verdictsBefore = judgeAll(before);

        // when every message on the audit topic (this class's other tests' included) is appended to it again
        int resent = stack.resendAllAuditMessages();

        // then the ledger ignores every one of them, and every topic's verdicts and counts are what they were
        AuditLedger after = stack.ledger();
        assertThat(resent).isPositive();
        assertThat(after.appliedMessages()).as("messages that changed the ledger")
                .isEqualTo(before.appliedMessages());
        assertThat(after.ignoredMessages()).as("messages that changed nothing")
                .isEqualTo(before.ignoredMessages() + resent);
        assertThat(judgeAll(after)).isEqualTo(verdictsBefore);
        assertThat(verdictsBefore).containsKey(topic);
    }

    private static Map<String, List<BucketVerdict>> judgeAll(AuditLedger ledger) {
        Map<String, List<BucketVerdict>> out = new TreeMap<>();
        CompletenessJudge judge = new CompletenessJudge(Duration.ZERO);
        ledger.topics().forEach(t -> out.put(t, judge.judge(ledger.view(t))));
        return out;
    }
}
