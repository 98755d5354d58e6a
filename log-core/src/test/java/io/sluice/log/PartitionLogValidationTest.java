package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.InvalidBatchException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

/** Batches the log refuses, and that a refused append writes nothing. */
class PartitionLogValidationTest extends PartitionLogFixture {
    private static void assertRefused(PartitionLog p, MemoryRecords records, Reason reason) {
        long endBefore = p.logEndOffset();
        long bytesBefore = p.sizeInBytes();
        assertThatThrownBy(() -> p.append(records))
                .isInstanceOfSatisfying(InvalidBatchException.class, e -> {
                    assertThat(e.reason()).as("reason").isEqualTo(reason);
                    assertThat(e.topic()).isEqualTo(p.topic());
                    assertThat(e.partition()).isEqualTo(p.partition());
                    assertThat(e.getMessage()).contains(p.topic() + "-" + p.partition()).contains(reason.name());
                });
        assertThat(p.logEndOffset()).as("log end offset after a refused %s append", reason).isEqualTo(endBefore);
        assertThat(p.sizeInBytes()).as("bytes on disk after a refused %s append", reason).isEqualTo(bytesBefore);
    }

    private static ByteBuffer copy(MemoryRecords records) {
        ByteBuffer src = records.buffer().duplicate();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src).flip();
        return copy;
    }

    @Test
    void refusesABatchWithACorruptCrcAndWritesNothing() {
        PartitionLog p = topic(Map.of());
        p.append(Batches.of(1000, "before"));
        ByteBuffer corrupt = copy(Batches.of(1000, "a", "b"));
        int at = DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 2;
        corrupt.put(at, (byte) (corrupt.get(at) ^ 0x40));

        assertRefused(p, MemoryRecords.readableRecords(corrupt), Reason.CORRUPT);
        p.flush();
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("before");
    }

    @Test
    void refusesABatchLargerThanMaxMessageBytes() {
        MemoryRecords exact = Batches.sized(4, 100, 1000, Compression.NONE);
        PartitionLog p = topic(Map.of(TopicConfig.MAX_MESSAGE_BYTES, String.valueOf(exact.sizeInBytes())));

        assertThat(p.append(exact).lastOffset()).as("a batch of exactly max.message.bytes").isEqualTo(3);
        assertRefused(p, Batches.sized(5, 100, 1000, Compression.NONE), Reason.TOO_LARGE);
    }

    @Test
    void refusesAMagicV1Batch() {
        PartitionLog p = topic(Map.of());

        assertRefused(p, MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(1000L, null, "old".getBytes(StandardCharsets.UTF_8))), Reason.UNSUPPORTED_MAGIC);
    }

    @Test
    void refusesAPartialBatch() {
        PartitionLog p = topic(Map.of());
        ByteBuffer whole = copy(Batches.of(1000, "a", "b", "c"));
        ByteBuffer cut = whole.duplicate().limit(whole.limit() - 7);

        assertRefused(p, MemoryRecords.readableRecords(cut.slice()), Reason.INVALID_SIZE);
    }

    @Test
    void refusesAWholeBatchFollowedByAPartialOneWithoutWritingEither() {
        PartitionLog p = topic(Map.of());
        ByteBuffer second = copy(Batches.of(1000, "c", "d"));
        MemoryRecords cutSecond = MemoryRecords.readableRecords(second.limit(second.limit() - 3).slice());

        assertRefused(p, concat(Batches.of(1000, "a", "b"), cutSecond), Reason.INVALID_SIZE);
        assertThat(p.logEndOffset()).isZero();
    }

    @Test
    void refusesATransactionalBatch() {
        PartitionLog p = topic(Map.of());

        assertRefused(p, MemoryRecords.withTransactionalRecords(Compression.NONE, 42L, (short) 0, 0,
                new SimpleRecord(1000L, null, "tx".getBytes(StandardCharsets.UTF_8))), Reason.UNSUPPORTED_TRANSACTION);
    }

    @Test
    void refusesAnUnkeyedRecordOnACompactedTopic() {
        PartitionLog p = topic(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        p.append(Batches.keyed(1000, new String[] {"k"}, new String[] {"v"}));

        assertRefused(p, Batches.of(1000, "no key"), Reason.MISSING_KEY);
        assertRefused(p, concat(Batches.keyed(1000, new String[] {"k2"}, new String[] {"v2"}), Batches.of(1000, "x")),
                Reason.MISSING_KEY);
        assertThat(p.logEndOffset()).isEqualTo(1);
    }
}
