package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The counter's shortcut to a topic's last bucket and its per-partition progress must never change a count. */
class AuditCounterTest {
    private static final Buckets MINUTES = new Buckets(Duration.ofMinutes(1));

    private static Map<String, Map<Long, Digest>> counted(AuditCounter c) {
        Map<String, Map<Long, Digest>> out = new HashMap<>();
        c.snapshot().forEach(b -> out.computeIfAbsent(b.topic(), t -> new HashMap<>()).put(b.bucketStart(), b.digest()));
        return out;
    }

    @Test
    void countsRecordsThatJumpBetweenBucketsAndTopics() {
        // given records whose timestamps go back and forth across bucket edges, on two topics, some before 1970
        AuditCounter c = new AuditCounter(Tier.LOG, MINUTES);
        Map<String, Map<Long, Digest>> want = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            String topic = random.nextBoolean() ? "a" : "b";
            long ts = random.nextLong(-120_000, 600_000);
            long hash = random.nextLong();
            // when each is counted
            c.record(topic, ts, hash, ts + 5);
            want.computeIfAbsent(topic, t -> new HashMap<>()).merge(MINUTES.startOf(ts), Digest.EMPTY.plus(hash), Digest::plus);
        }
        // then every bucket holds exactly its records
        assertThat(counted(c)).isEqualTo(want);
        assertThat(c.snapshot()).allSatisfy(b -> assertThat(b.latency().count()).isEqualTo(b.digest().count()));
    }

    @Test
    void keepsTheHighestOffsetAndTimestampPerPartition() {
        AuditCounter c = new AuditCounter(Tier.SINK, MINUTES);
        c.advanced("t", 3, 10, 500);
        c.advanced("t", 0, 7, 900);
        c.advanced("t", 3, 8, 700);
        c.advanced("t", 40, 1, 1);
        c.advanced("u", 0, 2, 2);
        assertThat(c.progress()).isEqualTo(Map.of(
                new TopicPartition("t", 3), new AuditCounter.Progress(10, 700),
                new TopicPartition("t", 0), new AuditCounter.Progress(7, 900),
                new TopicPartition("t", 40), new AuditCounter.Progress(1, 1),
                new TopicPartition("u", 0), new AuditCounter.Progress(2, 2)));
        assertThatThrownBy(() -> c.advanced("t", -1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void countsEveryRecordFromConcurrentThreads() throws Exception {
        AuditCounter c = new AuditCounter(Tier.PRODUCER, MINUTES);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50_000; i++) {
                        long ts = (i % 5) * 60_000L + thread;
                        c.record("t", ts, 1, ts);
                        c.advanced("t", thread, i, ts);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(c.snapshot()).hasSize(5).allSatisfy(b -> assertThat(b.digest()).isEqualTo(new Digest(40_000, 40_000, 0)));
        assertThat(c.progress()).hasSize(4).allSatisfy((tp, p) -> assertThat(p.highestOffset()).isEqualTo(49_999));
    }

    @Test
    void latencyBinsFromTheTableAreThoseComputed() {
        for (long ms : new long[] {-5, 0, 1, 2, 3, 7, 8, 999, 1_000, 65_535, 65_536, 1L << 40}) {
            assertThat(LatencyHistogram.bin(ms)).as("bin of %d ms", ms).isEqualTo(LatencyHistogram.computeBin(ms));
        }
        for (int ms = 0; ms < 1 << 16; ms++) {
            if (LatencyHistogram.bin(ms) != LatencyHistogram.computeBin(ms)) {
                throw new AssertionError("bin of " + ms + " ms: " + LatencyHistogram.bin(ms) + ", computed "
                        + LatencyHistogram.computeBin(ms));
            }
        }
    }
}
