package io.sluice.audit.aggregate;

import static io.sluice.audit.Tier.LOG;
import static io.sluice.audit.Tier.PRODUCER;
import static io.sluice.audit.Tier.SINK;
import static io.sluice.audit.aggregate.Flow.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditStoreTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsTheLedgerAndTheOffsets() {
        // given
        AuditLedger ledger = new Flow().all(0, 60, PRODUCER, LOG).all(0, 50, SINK).deadLettered(55).passed().ledger(false);
        AuditStore store = new AuditStore(dir);

        // when
        store.save("_sluice_audit", Map.of(0, 17L, 1, 4L), ledger, 1234);
        AuditStore.Snapshot back = new AuditStore(dir).load().orElseThrow();

        // then
        assertThat(back.auditTopic()).isEqualTo("_sluice_audit");
        assertThat(back.writtenAt()).isEqualTo(1234);
        assertThat(back.nextOffsets()).containsExactlyInAnyOrderEntriesOf(Map.of(0, 17L, 1, 4L));
        assertThat(back.ledger().view(TOPIC)).usingRecursiveComparison().isEqualTo(ledger.view(TOPIC));
        assertThat(new CompletenessJudge().judge(back.ledger().view(TOPIC)))
                .usingRecursiveComparison().isEqualTo(new CompletenessJudge().judge(ledger.view(TOPIC)));
    }

    @Test
    void anEmptyDirectoryHasNoSnapshotAndAnUnfinishedWriteIsDeleted() throws Exception {
        Files.writeString(dir.resolve(AuditStore.FILE + ".tmp"), "half a snapshot");

        assertThat(new AuditStore(dir).load()).isEmpty();
        assertThat(dir.resolve(AuditStore.FILE + ".tmp")).doesNotExist();
    }

    @Test
    void aNewSnapshotReplacesTheOldOne() {
        AuditStore store = new AuditStore(dir);
        store.save("_sluice_audit", Map.of(0, 1L), new Flow().all(0, 10, LOG).ledger(), 1);
        store.save("_sluice_audit", Map.of(0, 2L), new Flow().all(0, 20, LOG).ledger(), 2);

        AuditStore.Snapshot back = store.load().orElseThrow();

        assertThat(back.nextOffsets()).containsEntry(0, 2L);
        assertThat(back.ledger().view(TOPIC).buckets().firstEntry().getValue().get(LOG).digest().count()).isEqualTo(20);
        assertThat(dir.resolve(AuditStore.FILE + ".tmp")).doesNotExist();
    }

    @Test
    void refusesADamagedSnapshotNamingTheFile() throws Exception {
        AuditStore store = new AuditStore(dir);
        store.save("_sluice_audit", Map.of(0, 1L), new Flow().all(0, 60, LOG).ledger(), 1);
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            byte[] good = Files.readAllBytes(store.file());
            try (RandomAccessFile f = new RandomAccessFile(store.file().toFile(), "rw")) {
                int at = random.nextInt(good.length);
                f.seek(at);
                f.write(good[at] ^ (1 + random.nextInt(255)));
            }

            assertThatThrownBy(store::load).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(store.file().toString()).hasMessageContaining("damaged");
            Files.write(store.file(), good);
        }
    }
}
