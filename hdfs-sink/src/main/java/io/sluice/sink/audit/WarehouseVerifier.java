package io.sluice.sink.audit;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Buckets;
import io.sluice.audit.Digest;
import io.sluice.audit.LatencyHistogram;
import io.sluice.audit.RowDigest;
import io.sluice.audit.Tier;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.AuditBucket;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import io.sluice.sink.internals.FileBuckets;
import io.sluice.sink.internals.Journal;
import io.sluice.sink.internals.RowSchemas;
import io.sluice.sink.internals.SinkFileSystem;
import io.sluice.sink.internals.TablePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warehouse tier of the audit: re-reads every committed data file of a table as a warehouse reader would and
 * recounts it, so that the sink's own counters are not trusted blindly. Per (topic, bucket of the row's
 * {@code _sluice.timestamp}) it counts the rows and their {@link RowDigest}s, which the judge compares with the
 * sink's row digests: a row changed on disk after it was committed makes its bucket CORRUPT.
 *
 * <p>A file that cannot be read whole (a damaged block, a bad sync marker, a truncated file) has its rows up to
 * the damage counted; the buckets its header ({@link FileBuckets}) says it holds more rows of than could be read are
 * marked unreadable, which the judge reports as CORRUPT. A file whose header itself cannot be read cannot be
 * attributed: it is listed in {@link Result#unreadable()} and its rows are simply missing from the counts (the
 * judge then finds the warehouse short of the sink).
 *
 * <p>Every bucket the sink's journals have counted rows in is published, with 0 if no row of it was found, so a
 * file deleted from the table shows. Progress per source partition is the journal head read before the files are
 * listed: the verifier has seen everything committed up to there, so each partition is caught up as of that moment
 * (the sink's own progress says whether the sink was). Published as instance
 * {@code warehouse/<table>} with the time of the run as sequence number (each run is a full recount). Dead letters
 * are not re-read. Tables without the {@code _sluice} metadata field cannot be verified (rows do not say their
 * timestamp).
 *
 * <pre>{@code
 * WarehouseVerifier.Result r = WarehouseVerifier.open(spec, conf).verify();
 * publisher.send(r.message(System.currentTimeMillis()));
 * }</pre>
 *
 * Not thread-safe; a verifier is meant for one run at a time.
 */
public final class WarehouseVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(WarehouseVerifier.class);

    private final TableSpec spec;
    private final TableReader reader;
    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final Buckets buckets;

    private WarehouseVerifier(TableSpec spec, TableReader reader, SinkFileSystem sfs, TablePaths paths) {
        this.spec = spec;
        this.reader = reader;
        this.sfs = sfs;
        this.paths = paths;
        this.buckets = new Buckets(spec.auditBucket());
    }

    public static WarehouseVerifier open(TableSpec spec, Configuration conf) {
        if (!spec.metadataField()) {
            throw new IllegalArgumentException("table " + spec.name() + " has no " + RowSchemas.METADATA_FIELD
                    + " field: its rows do not say their log timestamp, so the warehouse audit cannot bucket them");
        }
        SinkFileSystem sfs = SinkFileSystem.forRoot(spec.root(), conf);
        TablePaths paths = new TablePaths(sfs.qualify(spec.root()), sfs.qualify(spec.deadLetterRoot()), spec.name());
        return new WarehouseVerifier(spec, TableReader.open(spec, conf), sfs, paths);
    }

    /** A committed file that could not be read whole. */
    public record UnreadableFile(Path path, String topic, long rowsRead, String reason, List<Long> buckets) {}

    /** What one run found. */
    public record Result(String table, long bucketMillis, List<BucketCounts> buckets,
                         List<AuditMessage.PartitionProgress> progress, List<UnreadableFile> unreadable,
                         long filesRead, long rowsRead) {

        public String instanceId() {
            return "warehouse/" + table;
        }

        /** The warehouse tier's audit message of this run. */
        public AuditMessage message(long seq) {
            return new AuditMessage(instanceId(), Tier.WAREHOUSE, seq, System.currentTimeMillis(), bucketMillis, false,
                    true, buckets, progress);
        }
    }

    private static final class Tally {
        final Digest.Accumulator rows = new Digest.Accumulator();
        long unreadable;
    }

    private record Key(String topic, long start) {}

    /** Reads every committed data file of the table and recounts it. */
    public Result verify() {
        long asOf = System.currentTimeMillis(); // before the heads: every commit made until then is re-read
        Map<TopicPartition, JournalEntry> heads;
        try {
            heads = Journal.heads(sfs, paths.journals());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the journals of table " + spec.name() + " failed", e);
        }
        Map<Key, Tally> tallies = new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                ? Long.compare(a.start(), b.start()) : a.topic().compareTo(b.topic()));
        for (JournalEntry head : heads.values()) {
            if (head.audit() != null && head.audit().bucketMillis() == buckets.widthMillis()) {
                for (AuditBucket b : head.audit().buckets()) {
                    if (b.committed() > 0) {
                        tallies.computeIfAbsent(new Key(head.topic(), b.start()), k -> new Tally());
                    }
                }
            }
        }
        List<UnreadableFile> unreadable = new ArrayList<>();
        long files = 0;
        long rows = 0;
        for (Path file : reader.committedFiles()) {
            files++;
            rows += verifyFile(file, tallies, unreadable);
        }
        List<BucketCounts> out = new ArrayList<>();
        tallies.forEach((k, t) -> {
            Digest d = t.rows.snapshot();
            out.add(new BucketCounts(k.topic(), k.start(), d, 0, 0, new LatencyHistogram(), d, t.unreadable));
        });
        List<AuditMessage.PartitionProgress> progress = new ArrayList<>();
        heads.forEach((tp, head) -> progress.add(new AuditMessage.PartitionProgress(tp, head.toOffset(),
                head.audit() != null ? head.audit().maxTimestamp() : head.maxEventTime(), asOf)));
        return new Result(spec.name(), buckets.widthMillis(), out, progress, unreadable, files, rows);
    }

    /** Counts one file's rows into {@code tallies}; returns how many were read. */
    private long verifyFile(Path file, Map<Key, Tally> tallies, List<UnreadableFile> unreadable) {
        AtomicLong read = new AtomicLong();
        String[] header = new String[1];
        Map<Long, Long> readByHeaderBucket = new HashMap<>();
        long[] headerWidth = {0};
        try {
            reader.readAsWritten(file, stream -> {
                header[0] = stream.getMetaString(FileBuckets.KEY);
                if (header[0] != null) {
                    headerWidth[0] = FileBuckets.parse(header[0]).bucketMillis();
                }
            }, row -> {
                GenericRecord meta = (GenericRecord) row.get(RowSchemas.METADATA_FIELD);
                String topic = meta.get("topic").toString();
                long ts = (Long) meta.get("timestamp");
                tallies.computeIfAbsent(new Key(topic, buckets.startOf(ts)), k -> new Tally()).rows
                        .add(RowDigest.of(row, row.getSchema()));
                if (headerWidth[0] > 0) {
                    readByHeaderBucket.merge(Math.floorDiv(ts, headerWidth[0]) * headerWidth[0], 1L, Long::sum);
                }
                read.incrementAndGet();
            });
            return read.get();
        } catch (IOException | RuntimeException e) {
            String topic = topicOf(file);
            List<Long> affected = new ArrayList<>();
            if (header[0] != null) {
                FileBuckets.Parsed expected = FileBuckets.parse(header[0]);
                expected.rowsByBucket().forEach((start, n) -> {
                    if (readByHeaderBucket.getOrDefault(start, 0L) < n) {
                        // every bucket of this width that the header bucket overlaps
                        for (long s = buckets.startOf(start); s < start + expected.bucketMillis();
                             s += buckets.widthMillis()) {
                            affected.add(s);
                            tallies.computeIfAbsent(new Key(topic, s), k -> new Tally()).unreadable++;
                        }
                    }
                });
            }
            LOG.error("table {}: committed file {} cannot be read whole ({} rows read before the damage): {}; {}",
                    spec.name(), file, read.get(), e.toString(), affected.isEmpty()
                            ? "its header does not say which buckets it holds"
                            : "buckets " + affected + " of " + topic + " are marked unreadable");
            unreadable.add(new UnreadableFile(file, topic, read.get(), e.toString(), affected));
            return read.get();
        }
    }

    /** The topic a data file's name ({@code topic+partition+first+last.avro}) says; a %-escaped first char undone. */
    static String topicOf(Path file) {
        String name = file.getName();
        String rest = name;
        for (int i = 0; i < 3 && rest.lastIndexOf('+') > 0; i++) {
            rest = rest.substring(0, rest.lastIndexOf('+'));
        }
        return rest.startsWith("%") ? URLDecoder.decode(rest.substring(0, 3), StandardCharsets.UTF_8) + rest.substring(3)
                : rest;
    }
}
