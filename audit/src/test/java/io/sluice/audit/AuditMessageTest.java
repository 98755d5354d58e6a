package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class AuditMessageTest {
    @Test
    void roundTripsEveryField() {
        AuditCounter c = new AuditCounter(Tier.SINK, new Buckets(Buckets.DEFAULT));
        c.record("clicks", 1_000, RecordDigest.of(new byte[] {1}, new byte[] {2}), 1_250);
        c.deadLettered("clicks", 1_000, 2);
        c.filtered("views", 900_000, 3);
        c.advanced("clicks", 3, 99, 1_000);
        AuditMessage m = new AuditMessage("sink/t/clicks+3", Tier.SINK, 7, 5_000, 600_000, true, true, c.snapshot(),
                List.of(new AuditMessage.PartitionProgress(new TopicPartition("clicks", 3), 99, 1_000)));

        AuditMessage back = AuditMessage.decode(m.encode());

        assertThat(back).usingRecursiveComparison().isEqualTo(m);
    }

    @Test
    void refusesBytesThatAreNotAnAuditMessage() {
        assertThatThrownBy(() -> AuditMessage.decode(new byte[] {(byte) 0xff, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an audit message");
    }
}
