package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Digest digest(List<long[]> hashes) {
        Digest d = Digest.EMPTY;
        for (long[] h : hashes) {
            d = d.plus(h[0]);
        }
        return d;
    }

    @Test
    void sameRecordsInAnyOrderGiveTheSameDigest() {
        List<long[]> hashes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            hashes.add(new long[] {RecordDigest.of(b("k" + i), b("v" + i))});
        }
        Digest inOrder = digest(hashes);
        Collections.shuffle(hashes, new Random(7));
        assertThat(digest(hashes)).isEqualTo(inOrder);
        assertThat(inOrder.count()).isEqualTo(1000);
    }

    @Test
    void lossDuplicationAndCorruptionShowAsDifferentSignatures() {
        Digest base = Digest.EMPTY;
        for (int i = 0; i < 100; i++) {
            base = base.plus(RecordDigest.of(b("k" + i), b("v" + i)));
        }
        long h5 = RecordDigest.of(b("k5"), b("v5"));
        long h5corrupt = RecordDigest.of(b("k5"), b("v5!"));

        Digest lost = new Digest(base.count() - 1, base.sum() - h5, base.xor() ^ h5);
        Digest duplicated = base.plus(h5);
        Digest corrupted = new Digest(base.count(), base.sum() - h5 + h5corrupt, base.xor() ^ h5 ^ h5corrupt);

        assertThat(lost.count()).isLessThan(base.count());
        assertThat(duplicated.count()).isGreaterThan(base.count());
        assertThat(duplicated.xor()).as("a duplicate cancels in the xor").isEqualTo(base.xor() ^ h5);
        assertThat(corrupted.count()).isEqualTo(base.count());
        assertThat(corrupted.sum()).isNotEqualTo(base.sum());
        assertThat(corrupted.xor()).isNotEqualTo(base.xor());
    }

    @Test
    void nullAndEmptyKeysAndValuesHashDifferently() {
        assertThat(RecordDigest.of(null, b("v"))).isNotEqualTo(RecordDigest.of(new byte[0], b("v")));
        assertThat(RecordDigest.of(b("k"), null)).isNotEqualTo(RecordDigest.of(b("k"), new byte[0]));
        assertThat(RecordDigest.of(b("a"), b("b"))).isNotEqualTo(RecordDigest.of(b("b"), b("a")));
        assertThat(RecordDigest.of(ByteBuffer.wrap(b("k")), ByteBuffer.wrap(b("v"))))
                .isEqualTo(RecordDigest.of(b("k"), b("v")));
    }

    @Test
    void histogramPercentilesAreWithinABinOfTheTruthAndMerge() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            (i % 2 == 0 ? a : b).record(i);
        }
        a.merge(b);
        assertThat(a.count()).isEqualTo(1000);
        assertThat(a.max()).isEqualTo(1000);
        assertThat(a.percentile(0.5)).isBetween(500L, 600L);
        assertThat(a.percentile(0.99)).isBetween(990L, 1000L);
        assertThat(LatencyHistogram.of(a.counts(), a.max())).isEqualTo(a);
    }

    @Test
    void counterBucketsByTimestampAndKeepsProgress() {
        AuditCounter c = new AuditCounter(Tier.LOG, new Buckets(Buckets.DEFAULT));
        c.record("t", 599_999, 1, 600_500);
        c.record("t", 600_000, 2, 600_500);
        c.deadLettered("t", 600_001, 3);
        c.advanced("t", 0, 41, 600_000);
        c.advanced("t", 0, 40, 700_000);
        assertThat(c.snapshot()).extracting(BucketCounts::bucketStart, x -> x.digest().count(), BucketCounts::accountedFor)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(0L, 1L, 1L),
                        org.assertj.core.groups.Tuple.tuple(600_000L, 1L, 4L));
        assertThat(c.progress().get(new org.apache.kafka.common.TopicPartition("t", 0)))
                .isEqualTo(new AuditCounter.Progress(41, 700_000));
    }
}
