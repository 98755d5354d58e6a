package io.sluice.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.TopicPartition;

/**
 * What a tier instance publishes to the audit topic: its cumulative counts for the buckets that changed since
 * its last message, and its progress. Counts are cumulative per (instance, topic, bucket), so the aggregator
 * keeps the one with the highest {@code seq} and a message delivered twice changes nothing.
 *
 * <p>Encoded as plain Avro binary with the schema below (no registry: the audit must work where no registry
 * runs, and the schema is Sluice's own).
 */
public record AuditMessage(String instanceId, Tier tier, long seq, long sentAt, long bucketMillis, boolean last,
                           boolean digests, List<BucketCounts> buckets, List<PartitionProgress> progress) {

    /**
     * How far the instance has got in one source partition: the highest offset and log timestamp it handled, and
     * the wall-clock time as of which it had handled every record of the partition it could see
     * ({@link #NEVER} if it never was caught up). A caught-up partition stops holding the tier's low watermark
     * back: the last bucket of a finished run and an idle partition can be judged.
     */
    public record PartitionProgress(TopicPartition partition, long highestOffset, long highestTimestamp,
                                    long caughtUpAt) {
        public static final long NEVER = Long.MIN_VALUE;

        public PartitionProgress(TopicPartition partition, long highestOffset, long highestTimestamp) {
            this(partition, highestOffset, highestTimestamp, NEVER);
        }

        /** The event time this partition has passed: its highest timestamp, or later once it was caught up. */
        public long watermark() {
            return Math.max(highestTimestamp, caughtUpAt);
        }
    }

    static final Schema SCHEMA_V1 = SchemaBuilder.record("AuditMessage").namespace("io.sluice.audit")
            .fields()
            .requiredString("instance_id")
            .requiredString("tier")
            .requiredLong("seq")
            .requiredLong("sent_at")
            .requiredLong("bucket_millis")
            .requiredBoolean("last")
            .name("digests").doc("false when the instance counts only (a plain interceptor never sees the bytes)")
                .type().booleanType().booleanDefault(true)
            .name("buckets").type().array().items(SchemaBuilder.record("Bucket").fields()
                    .requiredString("topic")
                    .requiredLong("bucket_start")
                    .requiredLong("count")
                    .requiredLong("sum")
                    .requiredLong("xor")
                    .requiredLong("dead_lettered")
                    .requiredLong("filtered")
                    .name("latency_bins").type().array().items().longType().noDefault()
                    .requiredLong("latency_max")
                    .endRecord()).noDefault()
            .name("progress").type().array().items(SchemaBuilder.record("Progress").fields()
                    .requiredString("topic")
                    .requiredInt("partition")
                    .requiredLong("highest_offset")
                    .requiredLong("highest_timestamp")
                    .endRecord()).noDefault()
            .endRecord();

    /**
     * The second schema: {@link #SCHEMA_V1} plus a trailing {@code rows} array with the row digests and unreadable
     * files of the sink and warehouse tiers per (topic, bucket). Trailing, so that an aggregator that knows only the
     * first version reads a new message and ignores the rows, and a message of the first version (which ends before
     * it) is decoded with an empty array.
     */
    static final Schema SCHEMA_V2 = v2();

    /**
     * The current schema: {@link #SCHEMA_V2} plus a trailing {@code caught_up} array, per source partition the time
     * as of which the instance had handled all of it (only partitions that were caught up are listed). Trailing for
     * the same reason as {@code rows}.
     */
    public static final Schema SCHEMA = v3();

    /** Older first: {@link #read} tries the newest and falls back in this order. */
    private static final List<Schema> OLDER = List.of(SCHEMA_V2, SCHEMA_V1);

    private static Schema v3() {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : SCHEMA_V2.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Schema caughtUp = SchemaBuilder.array().items(SchemaBuilder.record("CaughtUp").fields()
                .requiredString("topic")
                .requiredInt("partition")
                .requiredLong("as_of")
                .endRecord());
        fields.add(new Schema.Field("caught_up", caughtUp, "partitions the instance had wholly handled, and when",
                List.of()));
        return Schema.createRecord(SCHEMA_V1.getName(), SCHEMA_V1.getDoc(), SCHEMA_V1.getNamespace(), false, fields);
    }

    private static Schema v2() {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : SCHEMA_V1.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Schema rows = SchemaBuilder.array().items(SchemaBuilder.record("Rows").fields()
                .requiredString("topic")
                .requiredLong("bucket_start")
                .requiredLong("count")
                .requiredLong("sum")
                .requiredLong("xor")
                .name("unreadable").doc("committed files holding rows of this bucket that could not be read whole")
                    .type().longType().longDefault(0)
                .endRecord());
        fields.add(new Schema.Field("rows", rows, "sink and warehouse: row digests per bucket", List.of()));
        return Schema.createRecord(SCHEMA_V1.getName(), SCHEMA_V1.getDoc(), SCHEMA_V1.getNamespace(), false, fields);
    }

    private static final Schema BUCKET = SCHEMA.getField("buckets").schema().getElementType();
    private static final Schema PROGRESS = SCHEMA.getField("progress").schema().getElementType();
    private static final Schema ROWS = SCHEMA.getField("rows").schema().getElementType();
    private static final Schema CAUGHT_UP = SCHEMA.getField("caught_up").schema().getElementType();

    public byte[] encode() {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("instance_id", instanceId);
        r.put("tier", tier.name());
        r.put("seq", seq);
        r.put("sent_at", sentAt);
        r.put("bucket_millis", bucketMillis);
        r.put("last", last);
        r.put("digests", digests);
        List<GenericRecord> bs = new ArrayList<>(buckets.size());
        for (BucketCounts b : buckets) {
            GenericData.Record g = new GenericData.Record(BUCKET);
            g.put("topic", b.topic());
            g.put("bucket_start", b.bucketStart());
            g.put("count", b.digest().count());
            g.put("sum", b.digest().sum());
            g.put("xor", b.digest().xor());
            g.put("dead_lettered", b.deadLettered());
            g.put("filtered", b.filtered());
            List<Long> bins = new ArrayList<>();
            for (long c : b.latency().counts()) {
                bins.add(c);
            }
            g.put("latency_bins", bins);
            g.put("latency_max", b.latency().max());
            bs.add(g);
        }
        r.put("buckets", bs);
        List<GenericRecord> ps = new ArrayList<>(progress.size());
        for (PartitionProgress p : progress) {
            GenericData.Record g = new GenericData.Record(PROGRESS);
            g.put("topic", p.partition().topic());
            g.put("partition", p.partition().partition());
            g.put("highest_offset", p.highestOffset());
            g.put("highest_timestamp", p.highestTimestamp());
            ps.add(g);
        }
        r.put("progress", ps);
        List<GenericRecord> caughtUp = new ArrayList<>();
        for (PartitionProgress p : progress) {
            if (p.caughtUpAt() != PartitionProgress.NEVER) {
                GenericData.Record g = new GenericData.Record(CAUGHT_UP);
                g.put("topic", p.partition().topic());
                g.put("partition", p.partition().partition());
                g.put("as_of", p.caughtUpAt());
                caughtUp.add(g);
            }
        }
        r.put("caught_up", caughtUp);
        List<GenericRecord> rows = new ArrayList<>();
        for (BucketCounts b : buckets) {
            if (b.rowDigest() != null || b.unreadable() > 0) {
                Digest d = b.rowDigest() != null ? b.rowDigest() : Digest.EMPTY;
                GenericData.Record g = new GenericData.Record(ROWS);
                g.put("topic", b.topic());
                g.put("bucket_start", b.bucketStart());
                g.put("count", d.count());
                g.put("sum", d.sum());
                g.put("xor", d.xor());
                g.put("unreadable", b.unreadable());
                rows.add(g);
            }
        }
        r.put("rows", rows);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the current schema; bytes that do not end where it does (a message of an older version, which ends
     * before the newer trailing fields) are read again as each older version, newest first, resolved to the current
     * one.
     */
    private static GenericRecord read(byte[] bytes) {
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, null);
            GenericRecord r = new GenericDatumReader<GenericRecord>(SCHEMA).read(null, in);
            if (in.isEnd()) {
                return r;
            }
        } catch (IOException | RuntimeException e) {
            // not the current version; try the older ones
        }
        Exception last = null;
        for (Schema older : OLDER) {
            try {
                BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, null);
                GenericRecord r = new GenericDatumReader<GenericRecord>(older, SCHEMA).read(null, in);
                if (in.isEnd()) {
                    return r;
                }
                last = new IOException(bytes.length + " bytes hold more than one audit message");
            } catch (IOException | RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalArgumentException("not an audit message (" + bytes.length + " bytes): " + last.getMessage(),
                last);
    }

    /** Decodes a message; throws {@link IllegalArgumentException} naming the problem if the bytes are not one. */
    public static AuditMessage decode(byte[] bytes) {
        GenericRecord r = read(bytes);
        Map<String, GenericRecord> rows = new HashMap<>();
        for (Object o : (List<?>) r.get("rows")) {
            GenericRecord g = (GenericRecord) o;
            rows.put(g.get("topic") + "\u0000" + g.get("bucket_start"), g);
        }
        List<BucketCounts> bs = new ArrayList<>();
        for (Object o : (List<?>) r.get("buckets")) {
            GenericRecord g = (GenericRecord) o;
            @SuppressWarnings("unchecked")
            List<Long> bins = (List<Long>) g.get("latency_bins");
            long[] counts = new long[bins.size()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = bins.get(i);
            }
            GenericRecord row = rows.get(g.get("topic") + "\u0000" + g.get("bucket_start"));
            Digest rowDigest = row == null ? null : new Digest((Long) row.get("count"), (Long) row.get("sum"), (Long) row.get("xor"));
            bs.add(new BucketCounts(g.get("topic").toString(), (Long) g.get("bucket_start"),
                    new Digest((Long) g.get("count"), (Long) g.get("sum"), (Long) g.get("xor")),
                    (Long) g.get("dead_lettered"), (Long) g.get("filtered"),
                    LatencyHistogram.of(counts, (Long) g.get("latency_max")),
                    rowDigest, row == null ? 0 : (Long) row.get("unreadable")));
        }
        Map<TopicPartition, Long> caughtUp = new HashMap<>();
        for (Object o : (List<?>) r.get("caught_up")) {
            GenericRecord g = (GenericRecord) o;
            caughtUp.put(new TopicPartition(g.get("topic").toString(), (Integer) g.get("partition")), (Long) g.get("as_of"));
        }
        List<PartitionProgress> ps = new ArrayList<>();
        for (Object o : (List<?>) r.get("progress")) {
            GenericRecord g = (GenericRecord) o;
            TopicPartition tp = new TopicPartition(g.get("topic").toString(), (Integer) g.get("partition"));
            ps.add(new PartitionProgress(tp, (Long) g.get("highest_offset"), (Long) g.get("highest_timestamp"),
                    caughtUp.getOrDefault(tp, PartitionProgress.NEVER)));
        }
        return new AuditMessage(r.get("instance_id").toString(), Tier.valueOf(r.get("tier").toString()), (Long) r.get("seq"),
                (Long) r.get("sent_at"), (Long) r.get("bucket_millis"), (Boolean) r.get("last"),
                (Boolean) r.get("digests"), bs, ps);
    }
}
