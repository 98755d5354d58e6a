package io.sluice.log.bench;

import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Records;

/** Sequential reads through {@link PartitionLog#read} of the read data set, copied or zero copy. */
final class LogRead extends Case {
    private final ReadData data;
    private final Pool pool;
    final boolean zeroCopy;

    LogRead(ReadData data, Pool pool, String id, String what, boolean zeroCopy) {
        super(id, what, "last byte consumed");
        this.data = data;
        this.pool = pool;
        this.zeroCopy = zeroCopy;
    }

    @Override
    Run run(int round) throws Exception {
        data.maybeDropCaches();
        PartitionLog p = data.partition;
        long hw = p.highWatermark();
        long c0 = cpuNow();
        long t0 = System.nanoTime();
        long offset = p.logStartOffset();
        long bytes = 0;
        long records = 0;
        while (offset < hw) {
            ReadResult r = p.read(offset, ReadData.READ_MAX_BYTES);
            Records rec = r.records();
            if (!(rec instanceof FileRecords fr)) {
                throw new IllegalStateException("empty read at offset " + offset + " below the high watermark " + hw);
            }
            int size = fr.sizeInBytes();
            if (zeroCopy) {
                int done = 0;
                while (done < size) {
                    done += fr.writeTo(data.nullChannel, done, size - done);
                }
                // The batches are all alike (checked when built): the next offset follows from the size.
                long n = (long) (size / pool.batchSize) * pool.recordsPerBatch;
                offset += n;
                records += n;
            } else {
                ByteBuffer buf = data.buffer.capacity() >= size ? data.buffer : ByteBuffer.allocateDirect(size);
                buf.clear().limit(size);
                fr.readInto(buf, 0);
                for (MutableRecordBatch b : MemoryRecords.readableRecords(buf).batches()) {
                    records += b.lastOffset() - b.baseOffset() + 1;
                    offset = b.lastOffset() + 1;
                }
            }
            bytes += size;
        }
        long t1 = System.nanoTime();
        if (offset != hw || records != data.records) {
            throw new IllegalStateException("read ended at offset " + offset + " with " + records
                    + " records; expected " + hw + " and " + data.records);
        }
        return new Run(bytes, records, t1 - t0, cpuNow() - c0);
    }
}
