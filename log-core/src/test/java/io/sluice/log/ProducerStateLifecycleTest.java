package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.internals.ProducerStateManager;
import io.sluice.log.testing.ManualTime;
import io.sluice.log.testing.PowerLossFileIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent-producer state does not grow for ever (producers silent for producer.id.expiration.ms are
 * forgotten, as in Kafka), and a producer-state snapshot that recovery deleted stays deleted through a
 * second power loss.
 */
class ProducerStateLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void producersSilentForTheExpirationAreForgottenAndMayWriteAgain() {
        ManualTime time = new ManualTime(2_000L); // the batches' timestamps are 1,000
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir).withTime(time)
                .withProducerIdExpirationMs(10_000))) {
            log.createTopic("t", 1, Map.of());
            PartitionLog p = log.partition("t", 0);
            for (long pid = 1; pid <= 50; pid++) {
                p.append(Batches.idempotent(pid, (short) 0, 0, "v" + pid));
            }
            log.runMaintenance();
            assertThat(p.producerCount()).as("producers kept 1 s after their batches").isEqualTo(50);

            time.advance(10_000);
            log.runMaintenance();
            assertThat(p.producerCount()).as("producers kept 11 s after their batches (expiry 10 s)").isZero();

            // as in Kafka, an expired producer is new again: its next batch, even a retry, is appended
            AppendResult again = p.append(Batches.idempotent(7, (short) 0, 0, "v7"));
            assertThat(again.duplicate()).isFalse();
            assertThat(p.producerCount()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotRecoveryDeletedDoesNotComeBackAfterASecondPowerLoss() throws Exception {
        PowerLossFileIO disk = new PowerLossFileIO(dir);
        Path partition = dir.resolve("t-0");
        disk.createDirectories(partition);
        disk.fsyncDirectory(dir);
        ProducerStateManager state = new ProducerStateManager();
        state.update(Batches.idempotent(1, (short) 0, 0, "a").batches().iterator().next());
        state.writeSnapshot(disk, partition, 50);
        state.writeSnapshot(disk, partition, 100);

        // recovery truncated the log to 80: the snapshot at 100 describes history that no longer exists
        new ProducerStateManager().loadLatestSnapshot(disk, partition, 80);
        disk.crash();

        assertThat(Files.exists(partition.resolve(String.format("%020d.snapshot", 100))))
                .as("the snapshot above the recovered end, after a second power loss").isFalse();
        assertThat(Files.exists(partition.resolve(String.format("%020d.snapshot", 50)))).isTrue();
    }
}
