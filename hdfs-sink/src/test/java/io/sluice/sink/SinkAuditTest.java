package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.V1;
import static org.assertj.core.groups.Tuple.tuple;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditCounter;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.Buckets;
import io.sluice.audit.RecordDigest;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.sink.audit.SinkAuditPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink tier of the audit: what it counts at commit time (kept in the journal entries) against what the log
 * holds, counted the way the log tier counts it. Records 0..29 are a minute apart from {@link #T0}, ten per
 * ten-minute bucket; record 30 lies in a later bucket so that buckets 0-2 are past every tier's progress.
 */
class SinkAuditTest {
    static final String TOPIC = "clicks";
    static final long BUCKET = Buckets.DEFAULT.toMillis();
    static final long T0 = SinkFixtures.T0;
    static final int LAST = 30;

    @TempDir
    Path dir;

    static long ts(long offset) {
        return offset == LAST ? T0 + 40 * 60_000L : T0 + offset * 60_000L;
    }

    static long bucket(int n) {
        return T0 + n * BUCKET;
    }

    static SinkRecord rowAt(TableSpec spec, long offset) {
        return new SinkRecord(TOPIC, 0, offset, ts(offset), ts(offset),
                spec.partitioning().pathFor(ts(offset), spec.zone()), 1, ("key-" + offset).getBytes(),
                SinkFixtures.wire(1, SinkFixtures.click(V1, TOPIC, 0, offset, ts(offset))), null);
    }

    /** The log tier's view: every record 0..LAST counted by its raw key and value, as log-core's auditor does. */
    static AuditMessage logTier(TableSpec spec) {
        AuditCounter log = new AuditCounter(Tier.LOG, new Buckets(Buckets.DEFAULT));
        for (long o = 0; o <= LAST; o++) {
            SinkRecord r = rowAt(spec, o);
            log.record(TOPIC, r.timestamp(), RecordDigest.of(r.rawKey(), r.rawValue()), r.timestamp() + 5);
            log.advanced(TOPIC, 0, o, r.timestamp());
        }
        List<AuditMessage.PartitionProgress> progress = new ArrayList<>();
        log.progress().forEach((tp, p) -> progress.add(new AuditMessage.PartitionProgress(tp, p.highestOffset(),
                p.highestTimestamp())));
        return new AuditMessage("log/c/0", Tier.LOG, 1, 0, BUCKET, false, true, log.snapshot(), progress);
    }

    /** Offset 5 goes to the dead-letter table and offset 7 is filtered; the rest of {@code from..to} are rows. */
    static void commit(PartitionCommitter c, TableSpec spec, long from, long to, Set<Long> dropped) {
        List<SinkRecord> rows = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        List<FilteredRecord> filtered = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            SinkRecord r = rowAt(spec, o);
            if (dropped.contains(o)) {
                continue;
            }
            if (o == 5) {
                dead.add(new DeadLetter(TOPIC, 0, o, r.timestamp(), r.rawKey(), r.rawValue(), "refused", "Test"));
            } else if (o == 7) {
                filtered.add(new FilteredRecord(o, r.timestamp(), RecordDigest.of(r.rawKey(), r.rawValue())));
            } else {
                rows.add(r);
            }
        }
        c.commit(rows, dead, to, filtered);
    }

    static List<AuditMessage> sent(MockProducer<byte[], byte[]> producer) {
        return producer.history().stream().map(ProducerRecord::value).map(AuditMessage::decode).toList();
    }

    static MockProducer<byte[], byte[]> mockProducer() {
        return new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static AuditConfig auditConfig() {
        return AuditConfig.from(Map.of("bootstrap.servers", "127.0.0.1:9"));
    }

    @Test
    void countsCommittedDeadLetteredAndFilteredOnceAcrossReplaysACrashBeforePublishingAndARestart() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        TableSink first = SinkFixtures.open(spec, new Configuration());
        AuditLedger ledger = new AuditLedger();
        ledger.apply(logTier(spec));
        MockProducer<byte[], byte[]> producer1 = mockProducer();
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), producer1)) {
            PartitionCommitter c = first.committer(TOPIC, 0);
            commit(c, spec, 0, 14, Set.of());
            publisher.publish("clicks", first.heads(), List.of()).forEach(ledger::apply);
            // a replay of 10..14 with the next range: the replayed records are dropped before they are counted
            commit(c, spec, 10, 22, Set.of());
            publisher.publish("clicks", first.heads(), List.of()).forEach(ledger::apply);
        }
        // the next commit reaches its journal entry, then the process dies before anything is published
        TableSink crashing = SinkFixtures.open(spec, new Configuration(), new CommitHook() {
            @Override
            public void afterJournalWritten(JournalEntry entry) {
                throw new IllegalStateException("crash after the journal entry of " + entry.seq());
            }
        });
        assertThatThrownBy(() -> commit(crashing.committer(TOPIC, 0), spec, 23, LAST, Set.of()))
                .hasMessageContaining("crash after the journal entry of 3");

        // restart: a new process publishes every head whole, again, and replays 20..30 into the committer
        TableSink restarted = SinkFixtures.open(spec, new Configuration());
        restarted.recover();
        commit(restarted.committer(TOPIC, 0), spec, 20, LAST, Set.of());
        MockProducer<byte[], byte[]> producer2 = mockProducer();
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), producer2)) {
            publisher.publish("clicks", restarted.heads(), List.of()).forEach(ledger::apply);
            assertThat(publisher.publish("clicks", restarted.heads(), List.of())).isEmpty();
        }
        // and the first process's messages arrive once more: nothing doubles
        sent(producer1).forEach(ledger::apply);

        assertThat(sent(producer1)).extracting(AuditMessage::instanceId, AuditMessage::seq)
                .containsExactly(tuple("sink/clicks/clicks+0", 1L),
                        tuple("sink/clicks/clicks+0", 2L));
        assertThat(sent(producer2)).singleElement().satisfies(m -> {
            assertThat(m.seq()).isEqualTo(3);
            assertThat(m.buckets()).hasSize(4); // the restart sends every bucket, changed or not
            assertThat(m.progress()).containsExactly(
                    new AuditMessage.PartitionProgress(new TopicPartition(TOPIC, 0), LAST, ts(LAST)));
        });
        List<BucketVerdict> verdicts = new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC));
        assertThat(verdicts).extracting(BucketVerdict::bucketStart, BucketVerdict::status).containsExactly(
                tuple(bucket(0), BucketStatus.COMPLETE),
                tuple(bucket(1), BucketStatus.COMPLETE),
                tuple(bucket(2), BucketStatus.COMPLETE),
                tuple(bucket(4), BucketStatus.PENDING)); // no tier has passed its end
        BucketVerdict.TierFigures sink0 = verdicts.get(0).tiers().get(Tier.SINK);
        assertThat(List.of(sink0.count(), sink0.deadLettered(), sink0.filtered(), sink0.accountedFor()))
                .containsExactly(8L, 1L, 1L, 10L);
        assertThat(verdicts.get(0).comparisons()).singleElement()
                .satisfies(cmp -> assertThat(cmp.basis()).isEqualTo(BucketVerdict.Basis.COUNT_AND_DIGEST));
        assertThat(restarted.heads().get(new TopicPartition(TOPIC, 0)).audit().buckets())
                .extracting(JournalEntry.AuditBucket::committed).containsExactly(8L, 10L, 10L, 1L);
    }

    @Test
    void recordsDroppedBeforeTheSinkAreReportedMissingBetweenLogAndSink() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        TableSink sink = SinkFixtures.open(spec, new Configuration());
        // a faulty pipeline loses offsets 12 and 13 on the way: the range covers them (offsets may legitimately
        // be absent from a log), so the journal cannot tell; only the audit can
        commit(sink.committer(TOPIC, 0), spec, 0, LAST, Set.of(12L, 13L));
        AuditLedger ledger = new AuditLedger();
        ledger.apply(logTier(spec));
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), mockProducer())) {
            publisher.publish("clicks", sink.heads(), List.of()).forEach(ledger::apply);
        }

        List<BucketVerdict> verdicts = new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC));

        assertThat(verdicts).extracting(BucketVerdict::status).containsExactly(BucketStatus.COMPLETE,
                BucketStatus.INCOMPLETE, BucketStatus.COMPLETE, BucketStatus.PENDING);
        BucketVerdict v = verdicts.get(1);
        assertThat(v.missing()).isEqualTo(2);
        assertThat(v.lostBetween()).hasValueSatisfying(c -> {
            assertThat(c.upstream()).isEqualTo(Tier.LOG);
            assertThat(c.downstream()).isEqualTo(Tier.SINK);
            assertThat(c.upstreamCount()).isEqualTo(10);
            assertThat(c.downstreamCount()).isEqualTo(8);
        });
    }

    @Test
    void aJournalAtTheLogEndIsCaughtUpAndAnIdleOneKeepsSayingSo() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        TableSink sink = SinkFixtures.open(spec, new Configuration());
        commit(sink.committer(TOPIC, 0), spec, 0, LAST, Set.of());
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        AuditMessage log = logTier(spec);
        AuditLedger ledger = new AuditLedger();
        // the log tier counted everything up to its high watermark as of 06:00 after T0
        long sixHours = T0 + 6 * 3_600_000L;
        ledger.apply(new AuditMessage(log.instanceId(), Tier.LOG, log.seq(), 0, BUCKET, false, true, log.buckets(),
                List.of(new AuditMessage.PartitionProgress(tp, LAST, ts(LAST), sixHours))));
        MockProducer<byte[], byte[]> producer = mockProducer();
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), producer)) {
            // not caught up: the newest record's bucket is pending
            publisher.publish("clicks", sink.heads(), List.of(tp)).forEach(ledger::apply);
            assertThat(new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC))).extracting(BucketVerdict::status)
                    .containsExactly(BucketStatus.COMPLETE, BucketStatus.COMPLETE, BucketStatus.COMPLETE,
                            BucketStatus.PENDING);

            // when the job saw the journal at the log end at 05:00, and again at 06:00 with nothing new
            publisher.publish("clicks", sink.heads(), List.of(tp), Map.of(tp, sixHours - 3_600_000L)).forEach(ledger::apply);
            List<AuditMessage> heartbeat = publisher.publish("clicks", sink.heads(), List.of(tp), Map.of(tp, sixHours));
            List<AuditMessage> unchanged = publisher.publish("clicks", sink.heads(), List.of(tp), Map.of(tp, sixHours));
            heartbeat.forEach(ledger::apply);

            // then the progress-only messages carry no counts under the same sequence, and every bucket is judged
            assertThat(heartbeat).singleElement().satisfies(m -> {
                assertThat(m.buckets()).isEmpty();
                assertThat(m.seq()).isEqualTo(sink.heads().get(tp).seq());
                assertThat(m.progress()).singleElement().extracting(AuditMessage.PartitionProgress::caughtUpAt)
                        .isEqualTo(sixHours);
            });
            assertThat(unchanged).as("nothing new to say").isEmpty();
            assertThat(new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC))).extracting(BucketVerdict::status)
                    .containsOnly(BucketStatus.COMPLETE);
        }
    }

    @Test
    void aTableThatDoesNotCountTheAuditCommitsTheSameRowsAndPublishesNothing() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).auditCounting(false)
                .build();
        TableSink sink = SinkFixtures.open(spec, new Configuration());
        commit(sink.committer(TOPIC, 0), spec, 0, LAST, Set.of());

        JournalEntry head = sink.heads().get(new TopicPartition(TOPIC, 0));
        assertThat(head.audit()).isNull();
        assertThat(head.records()).isEqualTo(LAST - 1); // offset 5 dead-lettered, 7 filtered
        MockProducer<byte[], byte[]> producer = mockProducer();
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), producer)) {
            assertThat(publisher.publish("clicks", sink.heads(), List.of())).isEmpty();
        }
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aPartitionWithRecordsButNoCommitHoldsItsTopicPending() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        TableSink sink = SinkFixtures.open(spec, new Configuration());
        commit(sink.committer(TOPIC, 0), spec, 0, LAST, Set.of());
        AuditLedger ledger = new AuditLedger();
        ledger.apply(logTier(spec));
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), mockProducer())) {
            publisher.publish("clicks", sink.heads(), List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)))
                    .forEach(ledger::apply);
        }

        assertThat(new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC)))
                .extracting(BucketVerdict::status).containsOnly(BucketStatus.PENDING);
    }

    @Test
    void readsJournalEntriesWrittenBeforeTheAuditAndCountsFromThere() throws Exception {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        commit(SinkFixtures.open(spec, new Configuration()).committer(TOPIC, 0), spec, 0, 9, Set.of());
        // the entry as a Sluice without the audit wrote it: no "audit" field
        Path entry = dir.resolve("wh/clicks/_sluice/journal/clicks+0/00000000000000000001.json");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode old =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(entry.toFile());
        old.remove("audit");
        json.writeValue(entry.toFile(), old);

        TableSink reopened = SinkFixtures.open(spec, new Configuration());
        assertThat(reopened.heads().get(new TopicPartition(TOPIC, 0)).audit()).isNull();
        try (SinkAuditPublisher publisher = new SinkAuditPublisher(auditConfig(), mockProducer())) {
            assertThat(publisher.publish("clicks", reopened.heads(), List.of())).as("nothing to publish").isEmpty();
        }
        commit(reopened.committer(TOPIC, 0), spec, 10, 19, Set.of());

        assertThat(reopened.heads().get(new TopicPartition(TOPIC, 0)).audit().buckets())
                .extracting(JournalEntry.AuditBucket::start, JournalEntry.AuditBucket::committed)
                .containsExactly(tuple(bucket(1), 10L));
    }
}
