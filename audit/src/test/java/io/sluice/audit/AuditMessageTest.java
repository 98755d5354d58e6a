package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
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
    void roundTripsCaughtUpTimes() {
        AuditMessage m = new AuditMessage("log/c/0", Tier.LOG, 2, 5_000, 600_000, false, true, List.of(), List.of(
                new AuditMessage.PartitionProgress(new TopicPartition("clicks", 0), 99, 1_000, 4_000),
                new AuditMessage.PartitionProgress(new TopicPartition("clicks", 1), -1, Long.MIN_VALUE, 4_500),
                new AuditMessage.PartitionProgress(new TopicPartition("clicks", 2), 7, 900)));

        AuditMessage back = AuditMessage.decode(m.encode());

        assertThat(back).isEqualTo(m);
        assertThat(back.progress()).extracting(AuditMessage.PartitionProgress::watermark)
                .containsExactly(4_000L, 4_500L, 900L);
    }

    @Test
    void decodesMessagesOfTheSecondVersionAsNeverCaughtUp() throws IOException {
        GenericData.Record progress = new GenericData.Record(AuditMessage.SCHEMA_V2.getField("progress").schema()
                .getElementType());
        progress.put("topic", "clicks");
        progress.put("partition", 4);
        progress.put("highest_offset", 12L);
        progress.put("highest_timestamp", 3_000L);
        GenericData.Record v2 = new GenericData.Record(AuditMessage.SCHEMA_V2);
        v2.put("instance_id", "sink/t/clicks+4");
        v2.put("tier", "SINK");
        v2.put("seq", 5L);
        v2.put("sent_at", 1L);
        v2.put("bucket_millis", 600_000L);
        v2.put("last", false);
        v2.put("digests", true);
        v2.put("buckets", List.of());
        v2.put("progress", List.of(progress));
        v2.put("rows", List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(AuditMessage.SCHEMA_V2).write(v2, enc);
        enc.flush();

        AuditMessage back = AuditMessage.decode(out.toByteArray());

        assertThat(back.progress()).containsExactly(new AuditMessage.PartitionProgress(
                new TopicPartition("clicks", 4), 12, 3_000, AuditMessage.PartitionProgress.NEVER));
    }

    @Test
    void roundTripsRowDigestsAndUnreadableFiles() {
        BucketCounts sink = new BucketCounts("clicks", 0, new Digest(3, 11, 12), 1, 0, new LatencyHistogram(),
                new Digest(3, 21, 22), 0);
        BucketCounts warehouse = new BucketCounts("clicks", 600_000, new Digest(2, 0, 0), 0, 0, new LatencyHistogram(),
                new Digest(2, 31, 32), 1);
        AuditMessage m = new AuditMessage("warehouse/t", Tier.WAREHOUSE, 9, 5_000, 600_000, false, true,
                List.of(sink, warehouse), List.of());

        AuditMessage back = AuditMessage.decode(m.encode());

        assertThat(back).usingRecursiveComparison().isEqualTo(m);
    }

    @Test
    void decodesMessagesOfTheFirstVersion() throws IOException {
        GenericData.Record bucket = new GenericData.Record(AuditMessage.SCHEMA_V1.getField("buckets").schema().getElementType());
        bucket.put("topic", "clicks");
        bucket.put("bucket_start", 600_000L);
        bucket.put("count", 4L);
        bucket.put("sum", 5L);
        bucket.put("xor", 6L);
        bucket.put("dead_lettered", 1L);
        bucket.put("filtered", 2L);
        bucket.put("latency_bins", java.util.Collections.nCopies(new LatencyHistogram().counts().length, 0L));
        bucket.put("latency_max", 0L);
        GenericData.Record v1 = new GenericData.Record(AuditMessage.SCHEMA_V1);
        v1.put("instance_id", "log/c/0");
        v1.put("tier", "LOG");
        v1.put("seq", 3L);
        v1.put("sent_at", 1L);
        v1.put("bucket_millis", 600_000L);
        v1.put("last", false);
        v1.put("digests", true);
        v1.put("buckets", List.of(bucket));
        v1.put("progress", List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(AuditMessage.SCHEMA_V1).write(v1, enc);
        enc.flush();

        AuditMessage back = AuditMessage.decode(out.toByteArray());

        assertThat(back.seq()).isEqualTo(3);
        assertThat(back.buckets()).singleElement().satisfies(b -> {
            assertThat(b.digest()).isEqualTo(new Digest(4, 5, 6));
            assertThat(b.accountedFor()).isEqualTo(7);
            assertThat(b.rowDigest()).isNull();
            assertThat(b.unreadable()).isZero();
        });
    }

    @Test
    void refusesBytesThatAreNotAnAuditMessage() {
        assertThatThrownBy(() -> AuditMessage.decode(new byte[] {(byte) 0xff, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an audit message");
    }
}
