package io.sluice.audit.aggregate;

import static io.sluice.audit.Tier.LOG;
import static io.sluice.audit.Tier.PRODUCER;
import static io.sluice.audit.Tier.SINK;
import static io.sluice.audit.Tier.WAREHOUSE;
import static io.sluice.audit.aggregate.Flow.TOPIC;
import static io.sluice.audit.aggregate.Flow.bucket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketVerdict.Basis;
import io.sluice.audit.aggregate.BucketVerdict.Comparison;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge on ledgers built from what each tier counted; three buckets of 20 records unless said otherwise. */
class CompletenessJudgeTest {
    private final CompletenessJudge judge = new CompletenessJudge(Duration.ofHours(1));

    private List<BucketVerdict> firstThreeBuckets(AuditLedger ledger) {
        return judge.judge(ledger.view(TOPIC), bucket(0), bucket(3));
    }

    @Test
    void everyBucketIsCompleteWhenEveryTierHasEveryRecord() {
        // given
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG, SINK, WAREHOUSE).passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger());

        // then
        assertThat(verdicts).extracting(BucketVerdict::bucketStart, BucketVerdict::status, BucketVerdict::missing,
                        BucketVerdict::duplicated)
                .containsExactly(tuple(bucket(0), BucketStatus.COMPLETE, 0L, 0L),
                        tuple(bucket(1), BucketStatus.COMPLETE, 0L, 0L),
                        tuple(bucket(2), BucketStatus.COMPLETE, 0L, 0L));
        BucketVerdict v = verdicts.get(0);
        assertThat(v.tiersCompared()).containsExactly(PRODUCER, LOG, SINK, WAREHOUSE);
        assertThat(v.tiers().values()).extracting(BucketVerdict.TierFigures::count).containsOnly(20L);
        assertThat(v.comparisons()).extracting(Comparison::basis)
                .containsExactly(Basis.COUNT_AND_DIGEST, Basis.COUNT_AND_DIGEST, Basis.COUNT_ONLY);
        assertThat(v.notes()).contains("SINK->WAREHOUSE compared by count only (SINK published no row digest)");
        assertThat(v.completeness()).isEqualTo(1.0);
    }

    /** Producer counted records 0-49 and went silent; the other tiers have all 60 and went on reporting. */
    private BucketVerdict bucketTwoAfterAProducer(long producerSentAt, boolean producerClosed) {
        Flow flow = new Flow().all(0, 50, PRODUCER).all(0, 60, LOG, SINK, WAREHOUSE).passed();
        AuditLedger ledger = new AuditLedger();
        ledger.apply(flow.message(PRODUCER, "producer/host/4242/1", 7, true, producerSentAt, producerClosed));
        long later = Flow.T0 + Duration.ofMinutes(5).toMillis();
        for (Tier t : List.of(LOG, SINK, WAREHOUSE)) {
            ledger.apply(flow.message(t, t.name().toLowerCase() + "-1", 1, true, later, false));
        }
        return judge.judge(ledger.view(TOPIC), bucket(2));
    }

    @Test
    void aProducerThatStoppedWithoutItsLastReportMakesTheProducerTierIncompleteNotTheLogDuplicated() {
        // when: the producer's last message is 5 minutes older than the newest (silence limit 1 minute)
        BucketVerdict v = bucketTwoAfterAProducer(Flow.T0, false);

        // then
        assertThat(v.status()).as("verdict; notes %s", v.notes()).isEqualTo(BucketStatus.COMPLETE);
        assertThat(v.duplicated()).isZero();
        assertThat(v.notes()).anySatisfy(n -> assertThat(n).startsWith("PRODUCER is incomplete: producer/host/4242/1"
                + " stopped without its last report").contains("LOG's 10 more record(s)"));
    }

    @Test
    void moreRecordsThanAProducerThatIsStillReportingOrClosedCleanlyAreDuplicates() {
        long later = Flow.T0 + Duration.ofMinutes(5).toMillis();
        assertThat(bucketTwoAfterAProducer(later, false).status()).as("a producer still reporting")
                .isEqualTo(BucketStatus.DUPLICATED);
        assertThat(bucketTwoAfterAProducer(Flow.T0, true).status()).as("a producer that closed cleanly long ago")
                .isEqualTo(BucketStatus.DUPLICATED);
    }

    @Test
    void recordsDroppedBetweenLogAndSinkMakeExactlyTheirBucketIncomplete() {
        // given: records 25, 26 and 31 (bucket 1) never reach the sink, nor therefore the warehouse
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG);
        for (int i = 0; i < 60; i++) {
            if (i != 25 && i != 26 && i != 31) {
                flow.count(SINK, i).count(WAREHOUSE, i);
            }
        }
        flow.passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger());

        // then
        assertThat(verdicts).extracting(BucketVerdict::status)
                .containsExactly(BucketStatus.COMPLETE, BucketStatus.INCOMPLETE, BucketStatus.COMPLETE);
        BucketVerdict v = verdicts.get(1);
        assertThat(v.missing()).isEqualTo(3);
        assertThat(v.duplicated()).isZero();
        assertThat(v.lostBetween()).get().extracting(Comparison::upstream, Comparison::downstream,
                Comparison::upstreamCount, Comparison::downstreamCount).containsExactly(LOG, SINK, 20L, 17L);
        assertThat(v.tiers().get(SINK).count()).isEqualTo(17);
        assertThat(v.tiers().get(WAREHOUSE).count()).isEqualTo(17);
        assertThat(v.completeness()).isEqualTo(17.0 / 20);
    }

    @Test
    void recordsReplayedWithoutDeduplicationMakeTheirBucketDuplicated() {
        // given: the sink commits records 40 and 41 (bucket 2) twice
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG, SINK, WAREHOUSE)
                .count(SINK, 40).count(SINK, 41).count(WAREHOUSE, 40).count(WAREHOUSE, 41).passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger());

        // then
        assertThat(verdicts).extracting(BucketVerdict::status)
                .containsExactly(BucketStatus.COMPLETE, BucketStatus.COMPLETE, BucketStatus.DUPLICATED);
        BucketVerdict v = verdicts.get(2);
        assertThat(v.duplicated()).isEqualTo(2);
        assertThat(v.missing()).isZero();
        assertThat(v.duplicatedBetween()).get().extracting(Comparison::upstream, Comparison::downstream,
                Comparison::upstreamCount, Comparison::downstreamCount).containsExactly(LOG, SINK, 20L, 22L);
    }

    @Test
    void aChangedRecordWithEqualCountsIsCorrupt() {
        // given: the sink committed a changed version of record 7 (bucket 0)
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG).all(0, 60, WAREHOUSE);
        for (int i = 0; i < 60; i++) {
            flow.count(SINK, i, i == 7 ? Flow.hash(7) ^ 0x100 : Flow.hash(i), 1_000);
        }
        flow.passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger());

        // then
        assertThat(verdicts).extracting(BucketVerdict::status)
                .containsExactly(BucketStatus.CORRUPT, BucketStatus.COMPLETE, BucketStatus.COMPLETE);
        BucketVerdict v = verdicts.get(0);
        assertThat(v.missing()).isZero();
        assertThat(v.duplicated()).isZero();
        assertThat(v.comparisons()).extracting(Comparison::upstream, Comparison::downstream, Comparison::digestsDiffer)
                .containsExactly(tuple(PRODUCER, LOG, false), tuple(LOG, SINK, true), tuple(SINK, WAREHOUSE, false));
    }

    @Test
    void aLateBatchKeepsItsBucketPendingUntilEveryTierPassedItsEndPlusLateness() {
        // given: every tier has records 0-59 and has got as far as record 59 (00:29:30, in bucket 2)
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG, SINK);
        AuditLedger ledger = flow.ledger();
        assertThat(firstThreeBuckets(ledger)).extracting(BucketVerdict::status).containsOnly(BucketStatus.PENDING);

        // when: a late batch of 5 records for bucket 1 reaches the producer and the log, which move on 4 h
        long later = Flow.T0 + 4 * 3_600_000L;
        for (int i = 20; i < 25; i++) {
            flow.count(PRODUCER, i, Flow.hash(1_000 + i), 1_000).count(LOG, i, Flow.hash(1_000 + i), 1_000);
        }
        flow.advanced(PRODUCER, 0, 1_000, later).advanced(LOG, 0, 1_000, later);
        ledger.apply(flow.message(PRODUCER, 2, true));
        ledger.apply(flow.message(LOG, 2, true));

        // then: bucket 1 is PENDING, not INCOMPLETE, while the sink has not passed it
        BucketVerdict waiting = judge.judge(ledger.view(TOPIC), bucket(1));
        assertThat(waiting.status()).isEqualTo(BucketStatus.PENDING);
        assertThat(waiting.tiers().get(SINK).count()).isEqualTo(20);
        assertThat(waiting.tiers().get(LOG).count()).isEqualTo(25);
        assertThat(waiting.notes()).containsExactly(
                "SINK has reached 2026-03-01T00:29:30Z, not yet bucket end + lateness 2026-03-01T01:20:00Z");

        // when: the sink commits the late batch and moves on as well
        for (int i = 20; i < 25; i++) {
            flow.count(SINK, i, Flow.hash(1_000 + i), 1_000);
        }
        flow.advanced(SINK, 0, 1_000, later);
        ledger.apply(flow.message(SINK, 2, true));

        // then
        BucketVerdict done = judge.judge(ledger.view(TOPIC), bucket(1));
        assertThat(done.status()).isEqualTo(BucketStatus.COMPLETE);
        assertThat(done.tiers().values()).extracting(BucketVerdict.TierFigures::count).containsOnly(25L);
        assertThat(firstThreeBuckets(ledger)).extracting(BucketVerdict::status).containsOnly(BucketStatus.COMPLETE);
    }

    @Test
    void aPartitionThatHasNotAdvancedHoldsTheWatermarkBack() {
        // given: the log has passed everything on partition 0 but partition 1 is stuck at 00:05
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG).passed().advanced(LOG, 1, 10, Flow.T0 + 300_000);

        // when
        TopicView view = flow.ledger().view(TOPIC);

        // then
        assertThat(view.watermarks()).containsEntry(LOG, Flow.T0 + 300_000);
        assertThat(firstThreeBuckets(flow.ledger())).extracting(BucketVerdict::status).containsOnly(BucketStatus.PENDING);
    }

    @Test
    void theLastBucketOfAFinishedRunIsJudgedOnceEveryTierIsCaughtUp() {
        // given: every tier handled records 0-59 (buckets 0-2) and nothing later exists
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG, SINK);
        assertThat(firstThreeBuckets(flow.ledger())).extracting(BucketVerdict::status)
                .as("no tier has passed the newest record's bucket").endsWith(BucketStatus.PENDING);

        // when each tier says it had handled all of partition 0 as of 4 hours after T0 (wall clock)
        for (Tier t : List.of(PRODUCER, LOG, SINK)) {
            flow.caughtUp(t, 0, Flow.T0 + 4 * 3_600_000L);
        }

        // then the last bucket is judged too
        assertThat(firstThreeBuckets(flow.ledger())).extracting(BucketVerdict::status).containsOnly(BucketStatus.COMPLETE);
    }

    @Test
    void anIdlePartitionHoldsTheWatermarkBackUntilItIsReportedCaughtUp() {
        // given: partition 1 got one record at 00:05 and nothing since
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG).passed().advanced(LOG, 1, 0, Flow.T0 + 300_000);
        assertThat(flow.ledger().view(TOPIC).watermarks()).containsEntry(LOG, Flow.T0 + 300_000);

        // when the log tier reports it counted partition 1 up to its high watermark as of 04:00
        flow.caughtUp(LOG, 1, Flow.T0 + 4 * 3_600_000L);

        // then the log's watermark is that of partition 0 again, and the buckets are judged
        assertThat(flow.ledger().view(TOPIC).watermarks()).containsEntry(LOG, Flow.T0 + 4 * 3_600_000L);
        assertThat(firstThreeBuckets(flow.ledger())).extracting(BucketVerdict::status).containsOnly(BucketStatus.COMPLETE);
    }

    @Test
    void caughtUpBeforeTheBucketEndPlusLatenessKeepsItPending() {
        // given every tier caught up at 00:35, within the hour of lateness after bucket 2 (00:20-00:30)
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG);
        flow.caughtUp(PRODUCER, 0, Flow.T0 + 35 * 60_000L).caughtUp(LOG, 0, Flow.T0 + 35 * 60_000L);

        // then the buckets stay pending: a record of theirs could still be on its way
        assertThat(firstThreeBuckets(flow.ledger())).extracting(BucketVerdict::status).containsOnly(BucketStatus.PENDING);
    }

    @Test
    void aTierWithoutProgressKeepsBucketsPending() {
        // given: the warehouse counted but never said how far it got
        Flow flow = new Flow().all(0, 20, PRODUCER, LOG, SINK).passed();
        AuditLedger ledger = flow.ledger();
        ledger.apply(new AuditMessage("warehouse-1", WAREHOUSE, 1, Flow.T0, Flow.BUCKET, false, true,
                flow.message(SINK, 1, true).buckets(), List.of()));

        // when
        BucketVerdict v = judge.judge(ledger.view(TOPIC), bucket(0));

        // then
        assertThat(v.status()).isEqualTo(BucketStatus.PENDING);
        assertThat(v.notes()).contains("WAREHOUSE has published no progress for clicks yet");
    }

    @Test
    void aTierAbsentForTheTopicIsNotCompared() {
        // given: a real Kafka cluster (no log tier); the sink lost record 3
        Flow flow = new Flow().all(0, 60, PRODUCER);
        for (int i = 0; i < 60; i++) {
            if (i != 3) {
                flow.count(SINK, i);
            }
        }
        flow.passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger());

        // then
        assertThat(verdicts).extracting(BucketVerdict::status)
                .containsExactly(BucketStatus.INCOMPLETE, BucketStatus.COMPLETE, BucketStatus.COMPLETE);
        BucketVerdict v = verdicts.get(0);
        assertThat(v.tiersCompared()).containsExactly(PRODUCER, SINK);
        assertThat(v.tiers()).containsOnlyKeys(PRODUCER, SINK);
        assertThat(v.missing()).isEqualTo(1);
        assertThat(v.lostBetween()).get().extracting(Comparison::upstream, Comparison::downstream)
                .containsExactly(PRODUCER, SINK);
    }

    @Test
    void aTierPresentForTheTopicButSilentInABucketCountsZero() {
        // given: the sink has passed bucket 1 but committed nothing in it
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG).all(0, 20, SINK).all(40, 60, SINK).passed();

        // when
        BucketVerdict v = judge.judge(flow.ledger().view(TOPIC), bucket(1));

        // then
        assertThat(v.status()).isEqualTo(BucketStatus.INCOMPLETE);
        assertThat(v.missing()).isEqualTo(20);
        assertThat(v.tiers().get(SINK).count()).isZero();
        assertThat(v.completeness()).isZero();
    }

    @Test
    void interceptorOnlyProducerCountsAreComparedByCountOnly() {
        // given: a plain interceptor (counts, no digests) upstream of a log and sink that digest; the sink
        // changed record 30
        Flow flow = new Flow().all(0, 60, PRODUCER, LOG);
        for (int i = 0; i < 60; i++) {
            flow.count(SINK, i, i == 30 ? Flow.hash(30) + 1 : Flow.hash(i), 1_000);
        }
        flow.passed();

        // when
        List<BucketVerdict> verdicts = firstThreeBuckets(flow.ledger(false));

        // then: the producer agrees by count; the log/sink digests still catch the change
        assertThat(verdicts).extracting(BucketVerdict::status)
                .containsExactly(BucketStatus.COMPLETE, BucketStatus.CORRUPT, BucketStatus.COMPLETE);
        BucketVerdict v = verdicts.get(0);
        assertThat(v.comparisons()).extracting(Comparison::upstream, Comparison::basis)
                .containsExactly(tuple(PRODUCER, Basis.COUNT_ONLY), tuple(LOG, Basis.COUNT_AND_DIGEST));
        assertThat(v.tiers().get(PRODUCER).digests()).isFalse();
        assertThat(v.notes()).contains("PRODUCER->LOG compared by count only (PRODUCER has no digests)");
        assertThat(flow.ledger(false).view(TOPIC).tierDigests()).containsEntry(PRODUCER, false).containsEntry(LOG, true);
    }

    @Test
    void deadLetteredAndFilteredRecordsAreAccountedForBySinkButNotExpectedInTheWarehouse() {
        // given: of bucket 0, the sink commits 17, dead-letters records 2 and 3, a transform filters record 4
        Flow flow = new Flow().all(0, 20, PRODUCER, LOG);
        for (int i = 0; i < 20; i++) {
            switch (i) {
                case 2, 3 -> flow.deadLettered(i);
                case 4 -> flow.filtered(i);
                default -> flow.count(SINK, i).count(WAREHOUSE, i);
            }
        }
        flow.passed();

        // when
        BucketVerdict v = judge.judge(flow.ledger().view(TOPIC), bucket(0));

        // then
        assertThat(v.status()).isEqualTo(BucketStatus.COMPLETE);
        assertThat(v.tiers().get(SINK)).extracting(BucketVerdict.TierFigures::count, BucketVerdict.TierFigures::deadLettered,
                BucketVerdict.TierFigures::filtered, BucketVerdict.TierFigures::accountedFor).containsExactly(17L, 2L, 1L, 20L);
        assertThat(v.comparisons()).extracting(Comparison::upstreamCount, Comparison::downstreamCount)
                .containsExactly(tuple(20L, 20L), tuple(20L, 20L), tuple(17L, 17L));
    }

    @Test
    void latencyPercentilesArePerTier() {
        // given: the log sees records after 10 ms, the sink after 1 to 100 s
        Flow flow = new Flow();
        for (int i = 0; i < 20; i++) {
            flow.count(LOG, i, Flow.hash(i), 10).count(SINK, i, Flow.hash(i), (i + 1) * 5_000L);
        }
        flow.passed();

        // when
        BucketVerdict v = judge.judge(flow.ledger().view(TOPIC), bucket(0));

        // then
        assertThat(v.tiers().get(LOG)).extracting(BucketVerdict.TierFigures::latencyP50,
                BucketVerdict.TierFigures::latencyMax).containsExactly(10L, 10L);
        assertThat(v.tiers().get(SINK).latencyMax()).isEqualTo(100_000);
        assertThat(v.tiers().get(SINK).latencyP50()).isBetween(50_000L, 60_000L);
        assertThat(v.tiers().get(SINK).latencyP99()).isEqualTo(100_000);
    }
}
