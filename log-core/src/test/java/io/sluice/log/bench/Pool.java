package io.sluice.log.bench;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** The distinct batches, built once; every case writes the same sequence {@code pool[i % pool.length]}. */
final class Pool {
    final ByteBuffer[] batches;
    final int batchSize;
    final int recordsPerBatch;

    Pool(Options o) {
        int n = (int) Math.max(o.threads, Math.min(o.poolBytes / o.batchBytes, o.bytes / o.batchBytes));
        n = Math.max(n, 1);
        batches = new ByteBuffer[n];
        Random random = new Random(42);
        byte[] value = new byte[o.recordBytes];
        long ts = 1_700_000_000_000L;
        int size = -1;
        int records = -1;
        for (int b = 0; b < n; b++) {
            ByteBuffer buf = ByteBuffer.allocate(o.batchBytes);
            long batchTs = ts + b / 16; // one millisecond per 16 batches (~256 KiB): the time index grows too
            MemoryRecordsBuilder builder = new MemoryRecordsBuilder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                    TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID,
                    RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH, o.batchBytes);
            int count = 0;
            while (builder.hasRoomFor(batchTs, null, value, Record.EMPTY_HEADERS)) {
                random.nextBytes(value);
                builder.append(batchTs, null, value);
                count++;
            }
            MemoryRecords built = builder.build();
            ByteBuffer exact = o.direct ? ByteBuffer.allocateDirect(built.sizeInBytes())
                    : ByteBuffer.allocate(built.sizeInBytes());
            exact.put(built.buffer().duplicate()).flip();
            if (b == 0) {
                size = exact.remaining();
                records = count;
            } else if (size != exact.remaining() || records != count) {
                throw new IllegalStateException("batches differ in size: " + size + "/" + records + " vs "
                        + exact.remaining() + "/" + count);
            }
            batches[b] = exact;
        }
        batchSize = size;
        recordsPerBatch = records;
    }

    int batchesFor(long bytes) {
        return (int) Math.max(1, bytes / batchSize);
    }

    /** The pool entries owned by appender {@code t} of {@code threads} (disjoint: append rewrites headers). */
    MemoryRecords[] slice(int t, int threads) {
        int from = (int) ((long) batches.length * t / threads);
        int to = (int) ((long) batches.length * (t + 1) / threads);
        MemoryRecords[] out = new MemoryRecords[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = MemoryRecords.readableRecords(batches[i].duplicate());
        }
        return out;
    }
}
