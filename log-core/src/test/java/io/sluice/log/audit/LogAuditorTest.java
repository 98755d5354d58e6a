package io.sluice.log.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.audit.AuditCounter;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Digest;
import io.sluice.audit.Tier;
import io.sluice.log.AppendResult;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicConfig;
import io.sluice.log.audit.AuditedLog.Sent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The log tier of the audit on a real log, server and Kafka producer. */
class LogAuditorTest {
    private static final long T0 = AuditedLog.BUCKETS.startOf(System.currentTimeMillis()) - Duration.ofMinutes(30).toMillis();
    private static final long MINUTE = 60_000;

    @RegisterExtension
    final AuditedLog audited = new AuditedLog();

    /** {@code n} records over {@code buckets} one-minute buckets from T0 and {@code partitions} partitions; some keys null. */
    static List<Sent> records(String topic, int partitions, int n, int buckets, int seed) {
        List<Sent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long ts = T0 + (i % buckets) * MINUTE + (i * 7919L + seed) % MINUTE;
            byte[] key = i % 5 == 0 ? null : ("k" + seed + "-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = ("value " + seed + "-" + i + " of " + topic).getBytes(StandardCharsets.UTF_8);
            out.add(new Sent(topic, i % partitions, ts, key, value));
        }
        return out;
    }

    static List<Sent> plus(List<Sent> a, List<Sent> b) {
        List<Sent> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    AuditMessage awaitPublished(Predicate<AuditMessage> which) {
        List<AuditMessage> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            found.clear();
            audited.auditMessages().stream().filter(which).forEach(found::add);
            return !found.isEmpty();
        });
        return found.get(found.size() - 1);
    }

    @Test
    void countsEveryDurableRecordInTheBucketOfItsTimestampWithTheProducersDigest() throws Exception {
        // given: plain and lz4-compressed batches over 3 partitions and 4 buckets, and records in internal topics
        audited.log.createTopic("events", 3, Map.of());
        List<Sent> plain = records("events", 3, 300, 4, 1);
        List<Sent> compressed = records("events", 3, 200, 4, 2);
        audited.produce(plain, "none");
        audited.produce(compressed, "lz4");
        audited.log.createTopic("_internal", 1, Map.of());
        audited.produce(records("_internal", 1, 10, 1, 3), "none");

        // when
        long counted = audited.auditor.scanNow();

        // then: exactly the records sent to "events", bucket by bucket, digests included
        List<Sent> all = plus(plain, compressed);
        assertThat(counted).isEqualTo(500);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(all));
        assertThat(audited.counted().get("events")).hasSize(4);
        assertThat(audited.metrics.counter(LogAuditor.COUNTED).getCount()).isEqualTo(500);
        assertThat(audited.metrics.getGauges().get(LogAuditor.LAG).getValue()).isEqualTo(0L);
        for (int p = 0; p < 3; p++) {
            PartitionLog log = audited.log.partition("events", p);
            assertThat(audited.auditor.progress().get(new TopicPartition("events", p)).highestOffset())
                    .as("highest offset counted in events-%d", p).isEqualTo(log.highWatermark() - 1);
        }
        // latency is the auditor's time minus the record's timestamp: at least the 26 minutes since the last bucket
        for (BucketCounts b : audited.auditor.snapshot()) {
            assertThat(b.latency().count()).isEqualTo(b.digest().count());
            assertThat(b.latency().max()).isGreaterThanOrEqualTo(Duration.ofMinutes(26).toMillis());
        }

        // and a second scan counts nothing again
        assertThat(audited.auditor.scanNow()).isZero();
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(all));
    }

    @Test
    void aPartitionCountedUpToItsHighWatermarkIsCaughtUpAsOfTheScanAnEmptyOneToo() {
        // given a topic with records in partition 0 and none in partition 1
        audited.log.createTopic("idle", 2, Map.of());
        PartitionLog p0 = audited.log.partition("idle", 0);
        p0.append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(T0, "k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8))));
        p0.flush();
        long before = System.currentTimeMillis();

        // when the auditor scans
        audited.auditor.scanNow();

        // then both partitions are caught up as of the scan: the empty one does not hold the watermark back
        Map<TopicPartition, AuditCounter.Progress> progress = audited.auditor.progress();
        assertThat(progress.get(new TopicPartition("idle", 0))).satisfies(pr -> {
            assertThat(pr.highestTimestamp()).isEqualTo(T0);
            assertThat(pr.caughtUpAt()).isBetween(before, System.currentTimeMillis());
        });
        assertThat(progress.get(new TopicPartition("idle", 1))).satisfies(pr -> {
            assertThat(pr.highestOffset()).isEqualTo(-1);
            assertThat(pr.caughtUpAt()).isBetween(before, System.currentTimeMillis());
        });
        // and the published message carries it
        AuditMessage m = audited.auditor.publishNow();
        assertThat(m.progress()).filteredOn(pp -> pp.partition().topic().equals("idle"))
                .extracting(AuditMessage.PartitionProgress::caughtUpAt).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(before));
    }

    @Test
    void neverCountsRecordsAboveTheHighWatermark() {
        // given: a topic that fsyncs only when asked, and records appended but not yet durable
        audited.log.createTopic("slow", 1, Map.of(TopicConfig.FLUSH_MESSAGES, "1000000", TopicConfig.FLUSH_MS, "3600000"));
        PartitionLog p = audited.log.partition("slow", 0);
        SimpleRecord[] rs = new SimpleRecord[50];
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < rs.length; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
            byte[] v = ("v" + i).getBytes(StandardCharsets.UTF_8);
            rs[i] = new SimpleRecord(T0 + i, k, v);
            sent.add(new Sent("slow", 0, T0 + i, k, v));
        }
        AppendResult appended = p.append(MemoryRecords.withRecords(Compression.NONE, rs));
        assertThat(p.highWatermark()).as("high watermark before the flush").isZero();
        assertThat(p.logEndOffset()).isEqualTo(appended.lastOffset() + 1);

        // when / then: nothing counted until the records are durable
        assertThat(audited.auditor.scanNow()).isZero();
        assertThat(audited.counted()).doesNotContainKey("slow");
        assertThat(audited.auditor.position(new TopicPartition("slow", 0))).isZero();

        p.flush();
        assertThat(audited.auditor.scanNow()).isEqualTo(50);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(sent));
    }

    @Test
    void logAppendTimeTopicsAreCountedInTheBucketOfTheLogsTimestamp() throws Exception {
        // given: records with old CreateTime timestamps sent to a LogAppendTime topic
        audited.log.createTopic("stamped", 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        long before = System.currentTimeMillis();
        List<Sent> sent = records("stamped", 1, 40, 3, 5);
        audited.produce(sent, "none");
        long after = System.currentTimeMillis();

        // when
        audited.auditor.scanNow();

        // then: the buckets are those of the append time, not the producer's timestamps
        Map<Long, Digest> buckets = audited.counted().get("stamped");
        assertThat(buckets.keySet()).allSatisfy(b -> assertThat(b)
                .isBetween(AuditedLog.BUCKETS.startOf(before), AuditedLog.BUCKETS.startOf(after)));
        assertThat(buckets.values().stream().reduce(Digest.EMPTY, Digest::plus))
                .isEqualTo(sent.stream().map(s -> Digest.EMPTY.plus(s.hash())).reduce(Digest.EMPTY, Digest::plus));
    }

    @Test
    void publishesDecodableCumulativeCountsAndNeverCountsTheAuditTopic() throws Exception {
        // given
        audited.log.createTopic("events", 2, Map.of());
        List<Sent> first = records("events", 2, 100, 2, 6);
        audited.produce(first, "none");
        audited.auditor.scanNow();

        // when
        AuditMessage m1 = audited.auditor.publishNow();
        List<Sent> second = records("events", 2, 60, 3, 7);
        audited.produce(second, "none");
        audited.auditor.scanNow();
        AuditMessage m2 = audited.auditor.publishNow();

        // then: the messages in the audit topic decode to what was published, with rising sequence numbers
        AuditMessage read1 = awaitPublished(m -> m.seq() == m1.seq());
        AuditMessage read2 = awaitPublished(m -> m.seq() == m2.seq());
        assertThat(read1.instanceId()).isEqualTo(AuditedLog.INSTANCE);
        assertThat(read1.tier()).isEqualTo(Tier.LOG);
        assertThat(read1.digests()).isTrue();
        assertThat(read1.bucketMillis()).isEqualTo(AuditedLog.BUCKETS.widthMillis());
        assertThat(digests(read1)).isEqualTo(AuditedLog.expected(first).get("events"));
        assertThat(read2.seq()).isGreaterThan(read1.seq());
        // cumulative: each bucket in the second message holds everything counted in it so far
        Map<Long, Digest> all = AuditedLog.expected(plus(first, second)).get("events");
        digests(read2).forEach((bucket, d) -> assertThat(d).as("bucket %d", bucket).isEqualTo(all.get(bucket)));
        assertThat(read2.progress()).extracting(p -> p.partition().topic()).containsOnly("events");

        // and the audit topic, with messages in it now, is not counted
        audited.auditor.scanNow();
        assertThat(audited.counted().keySet()).containsExactly("events");
    }

    @Test
    void aRestartedAuditorContinuesItsCountsWithoutDoublingThem() throws Exception {
        // given: counts published and the log server stopped cleanly
        audited.log.createTopic("events", 2, Map.of());
        List<Sent> first = records("events", 2, 150, 3, 8);
        audited.produce(first, "none");
        audited.auditor.scanNow();
        AuditMessage before = audited.auditor.publishNow();

        // when
        audited.restart();

        // then: the counts are back, a re-sent message carries the same cumulative counts with a higher seq
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(first));
        assertThat(audited.auditor.scanNow()).as("records counted again after the restart").isZero();
        AuditMessage resent = audited.auditor.publishNow();
        assertThat(resent.seq()).isGreaterThan(before.seq());
        assertThat(digests(resent)).isEqualTo(digests(before));
        List<AuditMessage> published = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            published.clear();
            published.addAll(audited.auditMessages());
            return published.stream().anyMatch(m -> m.seq() == resent.seq());
        });
        assertThat(published).extracting(AuditMessage::instanceId).containsOnly(AuditedLog.INSTANCE);
        AuditMessage lastOfFirstRun = published.stream().filter(AuditMessage::last).findFirst().orElseThrow();
        assertThat(resent.seq()).as("seq of the first message after the restart")
                .isGreaterThan(lastOfFirstRun.seq());

        // and new records are added to them, once
        List<Sent> second = records("events", 2, 70, 4, 9);
        audited.produce(second, "gzip");
        assertThat(audited.auditor.scanNow()).isEqualTo(70);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(plus(first, second)));
    }

    @Test
    void afterACrashOnlyWhatCameAfterTheLastCheckpointIsCountedAgain() throws Exception {
        // given: a checkpoint after the first records, then more records counted but not checkpointed
        audited.log.createTopic("events", 2, Map.of());
        List<Sent> first = records("events", 2, 120, 2, 10);
        audited.produce(first, "none");
        audited.auditor.scanNow();
        audited.auditor.publishNow();
        List<Sent> second = records("events", 2, 80, 3, 11);
        audited.produce(second, "none");
        assertThat(audited.auditor.scanNow()).isEqualTo(80);

        // when
        audited.crash();

        // then: back to the checkpoint, and the records after it are counted once more, which makes them whole
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(first));
        assertThat(audited.auditor.scanNow()).isEqualTo(80);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(plus(first, second)));
        AuditMessage next = audited.auditor.publishNow();
        List<AuditMessage> published = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            published.clear();
            published.addAll(audited.auditMessages());
            return published.stream().anyMatch(m -> m.seq() == next.seq());
        });
        assertThat(published).allSatisfy(m -> assertThat(m.seq()).isLessThanOrEqualTo(next.seq()));
        assertThat(digests(next)).isEqualTo(AuditedLog.expected(plus(first, second)).get("events"));
    }

    @Test
    void recordsRemovedByRetentionBeforeTheyWereCountedAreReportedAsSkipped() throws Exception {
        // given: small segments, all but the newest deleted by retention before the auditor ran
        audited.log.createTopic("short", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "4096"));
        List<Sent> sent = records("short", 1, 200, 2, 12);
        for (int i = 0; i < sent.size(); i += 20) {
            audited.produce(sent.subList(i, i + 20), "none"); // a batch each: several segments
        }
        audited.log.partition("short", 0).roll();
        audited.log.runMaintenance();
        long start = audited.log.partition("short", 0).logStartOffset();
        assertThat(start).as("log start after retention").isBetween(1L, sent.size() - 1L);

        // when
        long counted = audited.auditor.scanNow();

        // then: what is still in the log is counted, the rest is reported
        assertThat(counted).isEqualTo(sent.size() - start);
        assertThat(audited.metrics.counter(LogAuditor.SKIPPED).getCount()).isEqualTo(start);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(sent.subList((int) start, sent.size())));
    }

    @Test
    void aDeletedTopicKeepsItsCountsAndATopicCreatedAgainUnderItsNameIsCountedFromItsStart() throws Exception {
        // given
        audited.log.createTopic("events", 1, Map.of());
        List<Sent> first = records("events", 1, 30, 1, 13);
        audited.produce(first, "none");
        audited.auditor.scanNow();

        // when
        audited.log.deleteTopic("events");
        assertThat(audited.auditor.scanNow()).isZero();
        audited.log.createTopic("events", 1, Map.of());
        List<Sent> second = records("events", 1, 20, 1, 14);
        audited.produce(second, "none");

        // then
        assertThat(audited.auditor.scanNow()).isEqualTo(20);
        assertThat(audited.counted()).isEqualTo(AuditedLog.expected(plus(first, second)));
    }

    private static Map<Long, Digest> digests(AuditMessage m) {
        Map<Long, Digest> out = new HashMap<>();
        m.buckets().forEach(b -> out.put(b.bucketStart(), b.digest()));
        return out;
    }
}
