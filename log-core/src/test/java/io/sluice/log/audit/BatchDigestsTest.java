package io.sluice.log.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.RecordDigest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The in-place walk must stage exactly what kafka-clients' record iterator reads, for every shape of record. */
class BatchDigestsTest {
    private static final long T0 = 1_700_000_000_000L;

    /** Several batches back to back in one buffer, as a read of a segment gives them. */
    private static ByteBuffer batches(SplittableRandom random, Compression compression, TimestampType type, int n) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20);
        long offset = 1_000;
        for (int b = 0; b < n; b++) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024), RecordBatch.MAGIC_VALUE_V2,
                    compression, type, offset);
            int records = 1 + random.nextInt(40);
            for (int i = 0; i < records; i++) {
                byte[] key = random.nextInt(5) == 0 ? null : bytes(random, random.nextInt(20));
                byte[] value = random.nextInt(7) == 0 ? null : bytes(random, random.nextInt(300));
                Header[] headers = random.nextInt(3) == 0
                        ? new Header[] {new RecordHeader("h" + i, bytes(random, random.nextInt(10)))} : new Header[0];
                builder.appendWithOffset(offset++, T0 + random.nextInt(1_000_000) - 500_000, key, value, headers);
            }
            out.put(builder.build().buffer());
        }
        out.flip();
        return out;
    }

    private static byte[] bytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static void assertSameAsTheIterator(ByteBuffer buffer, long from) {
        BatchDigests staged = new BatchDigests();
        int at = 0;
        for (RecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
            staged.stage(batch, buffer, at, from);
            at += batch.sizeInBytes();
            List<long[]> want = new ArrayList<>();
            for (Record r : batch) {
                if (r.offset() >= from) {
                    long ts = batch.timestampType() == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp() : r.timestamp();
                    want.add(new long[] {ts, RecordDigest.of(r.key(), r.value())});
                }
            }
            List<long[]> got = new ArrayList<>();
            for (int i = 0; i < staged.size(); i++) {
                got.add(new long[] {staged.timestamp(i), staged.hash(i)});
            }
            assertThat(got).as("batch at %d", batch.baseOffset()).containsExactlyElementsOf(want);
            if (!want.isEmpty()) {
                assertThat(staged.maxTimestamp()).isEqualTo(want.stream().mapToLong(w -> w[0]).max().orElseThrow());
            }
        }
    }

    @Test
    void walksUncompressedBatchesInPlaceExactlyAsTheIteratorReadsThem() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 20; round++) {
            assertSameAsTheIterator(batches(random, Compression.NONE, TimestampType.CREATE_TIME, 8), 0);
        }
        // from the middle of a batch, and with the log's append time
        assertSameAsTheIterator(batches(random, Compression.NONE, TimestampType.CREATE_TIME, 8), 1_017);
        assertSameAsTheIterator(batches(random, Compression.NONE, TimestampType.LOG_APPEND_TIME, 8), 0);
    }

    @Test
    void compressedBatchesGoThroughTheIterator() {
        SplittableRandom random = new SplittableRandom(12);
        assertSameAsTheIterator(batches(random, Compression.gzip().build(), TimestampType.CREATE_TIME, 4), 0);
        assertSameAsTheIterator(batches(random, Compression.lz4().build(), TimestampType.CREATE_TIME, 4), 1_010);
    }

    @Test
    void aBatchWhoseRecordsDoNotParseIsRefusedWhole() {
        ByteBuffer buffer = batches(new SplittableRandom(13), Compression.NONE, TimestampType.CREATE_TIME, 1);
        RecordBatch batch = MemoryRecords.readableRecords(buffer).batches().iterator().next();
        // the first record's length varint, right after the 61-byte batch header: make it claim 63 bytes more
        buffer.put(61, (byte) (buffer.get(61) + 126));

        assertThatThrownBy(() -> new BatchDigests().stage(batch, buffer, 0, 0))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("of the batch at offset 1000");
    }
}
