package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;

/**
 * The model's side of {@link PartitionLogHarness}: a record as the model keeps it, the state of the log before
 * maintenance, and the real log's reads checked and decoded into such records so that the two compare.
 */
final class PartitionLogModel {
    private PartitionLogModel() {
    }

    /** One record as the model knows it; key and value are null when absent. */
    record Stored(long offset, long timestamp, String key, String value) {
        boolean tombstone() {
            return key != null && value == null;
        }

        @Override
        public String toString() {
            return offset + ":" + (key == null ? "" : key + "=") + (value == null ? "null" : value.length() > 12
                    ? value.substring(0, 12) + "..(" + value.length() + "B)" : value) + "@" + timestamp;
        }
    }

    /** State of the log before a maintenance operation. */
    record Before(long logStart, long rangeEnd) {
    }

    /** The batches of a read, each valid, in offset order, and together all of its bytes. */
    static List<RecordBatch> wholeBatches(Records records, String what) {
        List<RecordBatch> out = new ArrayList<>();
        int bytes = 0;
        long lastOffset = -1;
        for (RecordBatch b : records.batches()) {
            assertThat(b.isValid()).as("CRC of the batch at offsets [%d, %d] returned by %s", b.baseOffset(),
                    b.lastOffset(), what).isTrue();
            assertThat(b.baseOffset()).as("batches of %s in offset order", what).isGreaterThan(lastOffset);
            lastOffset = b.lastOffset();
            bytes += b.sizeInBytes();
            out.add(b);
        }
        assertThat(bytes).as("bytes of whole batches vs bytes returned by %s", what).isEqualTo(records.sizeInBytes());
        return out;
    }

    /** The records of the batches, as the model stores them. */
    static List<Stored> records(List<RecordBatch> batches) {
        List<Stored> out = new ArrayList<>();
        for (RecordBatch b : batches) {
            for (Record r : b) {
                out.add(new Stored(r.offset(), r.timestamp(), r.hasKey() ? string(r.key()) : null,
                        r.hasValue() ? string(r.value()) : null));
            }
        }
        return out;
    }

    private static String string(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
