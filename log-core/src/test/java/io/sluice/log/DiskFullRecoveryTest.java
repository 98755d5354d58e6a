package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.log.testing.DiskFullFileIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition that failed on a full disk refuses appends while the disk is full, and takes them again by
 * itself once space is back: no restart, every durable record kept once, the torn batch of the failed
 * write gone, and offsets that go on from the durable end.
 */
class DiskFullRecoveryTest {
    @TempDir
    Path dir;

    static List<String> values(PartitionLog p) {
        List<String> values = new ArrayList<>();
        long next = p.logStartOffset();
        while (next < p.highWatermark()) {
            for (RecordBatch b : p.read(next, 1 << 20).records().batches()) {
                for (Record r : b) {
                    if (r.offset() >= next) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
                next = b.lastOffset() + 1;
            }
        }
        return values;
    }

    @Test
    void aPartitionFailedOnAFullDiskTakesAppendsAgainOnceSpaceIsBack() throws Exception {
        DiskFullFileIO disk = new DiskFullFileIO();
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir).withFileIO(disk))) {
            log.createTopic("t", 1, Map.of());
            for (int i = 0; i < 10; i++) {
                AppendResult r = log.partition("t", 0).append(Batches.of(1000L + i, "before-" + i));
                log.partition("t", 0).awaitDurable(r.lastOffset()).get();
            }

            disk.fill();
            assertThatThrownBy(() -> log.partition("t", 0).append(Batches.of(2000L, "torn")))
                    .isInstanceOf(LogStorageException.class).hasMessageContaining("No space left on device");
            assertThatThrownBy(() -> log.partition("t", 0).append(Batches.of(2001L, "refused")))
                    .as("while the disk is full").isInstanceOf(LogStorageException.class);
            // recovery attempts while full must leave the partition failed, not broken
            long probesBefore = log.recoveryProbes();
            await().atMost(Duration.ofSeconds(30)).until(() -> log.recoveryProbes() >= probesBefore + 2);
            assertThatThrownBy(() -> log.partition("t", 0).append(Batches.of(2002L, "still refused")))
                    .isInstanceOf(LogStorageException.class);

            disk.free();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(log.partition("t", 0).failed()).as("failed, once space is back").isFalse());
            PartitionLog p = log.partition("t", 0);
            AppendResult after = p.append(Batches.of(3000L, "after"));
            p.awaitDurable(after.lastOffset()).get();

            assertThat(after.firstOffset()).as("the first offset after recovery").isEqualTo(10);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("before-" + i);
            }
            expected.add("after");
            assertThat(values(p)).as("every record, once").containsExactlyElementsOf(expected);
            assertThat(p.damage()).isEmpty();
        }
    }
}
