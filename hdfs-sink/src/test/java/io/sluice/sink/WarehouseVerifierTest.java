package io.sluice.sink;

import static io.sluice.sink.SinkAuditTest.LAST;
import static io.sluice.sink.SinkAuditTest.TOPIC;
import static io.sluice.sink.SinkAuditTest.bucket;
import static io.sluice.sink.SinkAuditTest.ts;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Tier;
import io.sluice.audit.aggregate.AuditLedger;
import io.sluice.audit.aggregate.BucketStatus;
import io.sluice.audit.aggregate.BucketVerdict;
import io.sluice.audit.aggregate.CompletenessJudge;
import io.sluice.sink.audit.SinkAuditPublisher;
import io.sluice.sink.audit.WarehouseVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse tier: an independent recount of the committed files, compared with the sink's own counts. Each
 * ten-minute bucket is committed on its own, so each bucket has its own data files: one per schema (even offsets
 * are plain clicks, odd ones tagged rows), for example {@code clicks+0+10+18} and {@code clicks+0+11+19}.
 */
class WarehouseVerifierTest {
    /**
     * The click schema evolved with a map, whose encoding on disk is not canonical: the row digest of such rows is
     * taken from the decoded row.
     */
    static final Schema TAGGED = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").requiredString("region")
            .name("tags").type().map().values().stringType().mapDefault(Map.of()).endRecord();

    @TempDir
    Path dir;

    private TableSink open(TableSpec spec) {
        return TableSink.open(spec, new Configuration(), new SinkFixtures.Registry().with(2, TAGGED),
                new MetricRegistry(), CommitHook.NONE);
    }

    /** Rows of {@code from..to}: even offsets plain clicks, odd ones tagged rows with a three-entry map. */
    private static List<SinkRecord> rows(TableSpec spec, long from, long to) {
        List<SinkRecord> rows = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            long t = ts(o);
            String path = spec.partitioning().pathFor(t, spec.zone());
            if (o % 2 == 0) {
                rows.add(new SinkRecord(TOPIC, 0, o, t, t, path, 1, ("key-" + o).getBytes(),
                        SinkFixtures.wire(1, SinkFixtures.click(SinkFixtures.V1, TOPIC, 0, o, t)), null));
            } else {
                GenericRecord r = new GenericData.Record(TAGGED);
                r.put("id", "tagged-" + o);
                r.put("ts", t);
                r.put("region", SinkFixtures.regionOf(o));
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("z", "last");
                tags.put("a", "first " + o);
                tags.put("m", "middle");
                r.put("tags", tags);
                rows.add(new SinkRecord(TOPIC, 0, o, t, t, path, 2, null, SinkFixtures.wire(2, r), null));
            }
        }
        return rows;
    }

    /** Commits one file per bucket and returns the ledger holding the sink tier's counts. */
    private AuditLedger commitPerBucket(TableSpec spec) {
        TableSink sink = open(spec);
        PartitionCommitter c = sink.committer(TOPIC, 0);
        for (long[] range : new long[][] {{0, 9}, {10, 19}, {20, 29}, {LAST, LAST}}) {
            c.commit(rows(spec, range[0], range[1]), List.of(), range[1], List.of());
        }
        AuditLedger ledger = new AuditLedger();
        try (SinkAuditPublisher p = new SinkAuditPublisher(SinkAuditTest.auditConfig(), SinkAuditTest.mockProducer())) {
            p.publish(spec.name(), sink.heads(), List.of()).forEach(ledger::apply);
        }
        return ledger;
    }

    private static List<BucketStatus> judge(AuditLedger ledger, WarehouseVerifier.Result r) {
        ledger.apply(r.message(1));
        return new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC)).stream()
                .map(BucketVerdict::status).toList();
    }

    @Test
    void recountEqualsTheSinkCountsRowDigestsIncluded() {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        AuditLedger ledger = commitPerBucket(spec);

        WarehouseVerifier.Result r = WarehouseVerifier.open(spec, new Configuration()).verify();

        assertThat(r.unreadable()).isEmpty();
        assertThat(r.rowsRead()).isEqualTo(31);
        assertThat(r.buckets()).extracting(BucketCounts::bucketStart, b -> b.rowDigest().count())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(bucket(0), 10L),
                        org.assertj.core.groups.Tuple.tuple(bucket(1), 10L),
                        org.assertj.core.groups.Tuple.tuple(bucket(2), 10L),
                        org.assertj.core.groups.Tuple.tuple(bucket(4), 1L));
        assertThat(judge(ledger, r)).containsExactly(BucketStatus.COMPLETE, BucketStatus.COMPLETE,
                BucketStatus.COMPLETE, BucketStatus.PENDING);
        BucketVerdict v = new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC)).get(0);
        assertThat(v.comparisons()).singleElement().satisfies(c -> {
            assertThat(c.upstream()).isEqualTo(Tier.SINK);
            assertThat(c.downstream()).isEqualTo(Tier.WAREHOUSE);
            assertThat(c.basis()).isEqualTo(BucketVerdict.Basis.COUNT_AND_ROW_DIGEST);
        });
    }

    @Test
    void aValueChangedOnDiskMakesExactlyItsBucketCorrupt() throws IOException {
        // no compression: the changed byte still decodes, into a different row
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).codec("none").build();
        AuditLedger ledger = commitPerBucket(spec);
        Path file = dataFile(spec, 11, 19); // tagged rows; 11 and 17 are in "ap south"
        byte[] bytes = Files.readAllBytes(file);
        int at = indexOf(bytes, "ap south".getBytes(StandardCharsets.UTF_8));
        bytes[at + 3] = 'X';
        Files.write(file, bytes);

        WarehouseVerifier.Result r = WarehouseVerifier.open(spec, new Configuration()).verify();

        assertThat(r.unreadable()).isEmpty();
        assertThat(judge(ledger, r)).containsExactly(BucketStatus.COMPLETE, BucketStatus.CORRUPT,
                BucketStatus.COMPLETE, BucketStatus.PENDING);
    }

    @Test
    void aDamagedBlockMarksExactlyTheBucketsOfItsFileCorrupt() throws IOException {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build(); // snappy
        AuditLedger ledger = commitPerBucket(spec);
        Path file = dataFile(spec, 21, 29);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 16 - 2] ^= 0x5a; // the block's checksum, just before the sync marker
        Files.write(file, bytes);

        WarehouseVerifier.Result r = WarehouseVerifier.open(spec, new Configuration()).verify();

        assertThat(r.unreadable()).singleElement().satisfies(u -> {
            assertThat(u.topic()).isEqualTo(TOPIC);
            assertThat(u.buckets()).containsExactly(bucket(2));
        });
        List<BucketStatus> statuses = judge(ledger, r);
        assertThat(statuses).containsExactly(BucketStatus.COMPLETE, BucketStatus.COMPLETE, BucketStatus.CORRUPT,
                BucketStatus.PENDING);
        assertThat(new CompletenessJudge(Duration.ZERO).judge(ledger.view(TOPIC)).get(2).notes())
                .contains("WAREHOUSE could not read 1 committed file holding rows of this bucket");
    }

    private Path dataFile(TableSpec spec, long first, long last) throws IOException {
        String name = "clicks+0+" + first + "+" + last + ".avro";
        try (var files = Files.walk(dir.resolve("wh/clicks"))) {
            return files.filter(p -> p.getFileName().toString().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no data file " + name + " under " + spec.root()));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("bytes not found");
    }
}
