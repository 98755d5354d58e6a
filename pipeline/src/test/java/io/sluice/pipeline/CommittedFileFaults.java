package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sink.TableReader;
import io.sluice.sink.internals.FileBuckets;
import io.sluice.sink.internals.TablePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileConstants;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Damage done on purpose to committed data files of a table on HDFS, as a disk, an operator or a replaying job
 * would leave it. An Avro data file is a header (magic, metadata, a 16-byte sync marker) followed by blocks, each
 * {@code row count, byte length, data (compressed by the file's codec), sync marker}.
 */
final class CommittedFileFaults {
    private static final int SYNC = DataFileConstants.SYNC_SIZE;

    private CommittedFileFaults() {}

    /** The committed data file holding the row with page view id {@code id}. */
    static Path fileHolding(TableReader reader, String id) {
        for (Path f : reader.committedFiles()) {
            if (rows(reader, f).stream().anyMatch(r -> r.get("id").toString().equals(id))) {
                return f;
            }
        }
        throw new AssertionError("no committed file holds page view " + id + "; files " + reader.committedFiles());
    }

    /** The rows of one file as written (its own schema), in file order. */
    static List<GenericRecord> rows(TableReader reader, Path file) {
        List<GenericRecord> out = new ArrayList<>();
        reader.read(file, null, out::add);
        return out;
    }

    static long timestampOf(GenericRecord row) {
        return (Long) ((GenericRecord) row.get("_sluice")).get("timestamp");
    }

    /** How many of {@code rows} fall in each audit bucket, by the log timestamp in their metadata. */
    static SortedMap<Long, Long> perBucket(List<GenericRecord> rows) {
        SortedMap<Long, Long> out = new TreeMap<>();
        rows.forEach(r -> out.merge(AuditBatch.bucketOf(timestampOf(r)), 1L, Long::sum));
        return out;
    }

    /**
     * Flips the case of the first byte of the first occurrence of {@code ascii} in the file: inside a string value of
     * a file without compression, so that the file still reads, with one value changed.
     */
    static void flipFirstByteOf(Path file, String ascii) throws IOException {
        byte[] bytes = read(file);
        int at = indexOf(bytes, ascii.getBytes(StandardCharsets.US_ASCII), 0);
        assertThat(at).as("'%s' in %s", ascii, file).isNotNegative();
        bytes[at] ^= 0x20;
        write(file, bytes);
    }

    /**
     * Flips a byte in the middle of the file's first data block (between the header's sync marker and the block's
     * own): with compression, the block no longer decompresses or fails its checksum.
     */
    static void damageFirstBlock(Path file) throws IOException {
        byte[] bytes = read(file);
        byte[] sync = Arrays.copyOfRange(bytes, bytes.length - SYNC, bytes.length); // every file ends with one
        int blockStart = indexOf(bytes, sync, 0) + SYNC; // the header ends with it
        int blockEnd = indexOf(bytes, sync, blockStart);
        assertThat(blockEnd).as("first block of %s ends before byte %d", file, bytes.length)
                .isGreaterThan(blockStart + 8);
        bytes[(blockStart + blockEnd) / 2] ^= 0x5a;
        write(file, bytes);
    }

    /**
     * Writes the first {@code n} rows of {@code original} again, in its partition directory, as a data file of their
     * own named for their offset range: what a replay that ignored the table's journal leaves when it re-commits
     * records the table already holds (its commit cut after those rows, so its name differs from the original's).
     * Same schema, codec and audit header as the sink writes. Returns the new file.
     */
    static Path writeReplayOf(TableReader reader, Path original, int n) throws IOException {
        FileSystem fs = original.getFileSystem(IngestEnvironment.hadoopConf());
        Schema schema;
        String codec;
        long bucketMillis;
        List<GenericRecord> rows = new ArrayList<>();
        try (InputStream in = fs.open(original);
             DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
            schema = stream.getSchema();
            codec = stream.getMetaString(DataFileConstants.CODEC);
            bucketMillis = FileBuckets.parse(stream.getMetaString(FileBuckets.KEY)).bucketMillis();
            while (stream.hasNext() && rows.size() < n) {
                rows.add(stream.next(null));
            }
        }
        assertThat(rows).as("rows of %s", original).hasSize(n);
        GenericRecord first = (GenericRecord) rows.get(0).get("_sluice");
        GenericRecord last = (GenericRecord) rows.get(n - 1).get("_sluice");
        Path replay = new Path(original.getParent(), TablePaths.fileName(first.get("topic").toString(),
                (Integer) first.get("partition"), (Long) first.get("offset"), (Long) last.get("offset")));
        assertThat(fs.exists(replay)).as("%s exists already", replay).isFalse();
        SortedMap<Long, Long> perBucket = new TreeMap<>();
        rows.forEach(r -> perBucket.merge(Math.floorDiv(timestampOf(r), bucketMillis) * bucketMillis, 1L, Long::sum));
        try (OutputStream out = fs.create(replay, false);
             DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(schema))) {
            w.setCodec(CodecFactory.fromString(codec == null ? "null" : codec));
            w.setMeta(FileBuckets.KEY, FileBuckets.format(bucketMillis, perBucket));
            w.create(schema, out);
            for (GenericRecord r : rows) {
                w.append(r);
            }
        }
        return replay;
    }

    private static byte[] read(Path file) throws IOException {
        FileSystem fs = file.getFileSystem(IngestEnvironment.hadoopConf());
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    /** Replaces the file's content (an HDFS file cannot be changed in place). */
    private static void write(Path file, byte[] bytes) throws IOException {
        FileSystem fs = file.getFileSystem(IngestEnvironment.hadoopConf());
        try (OutputStream out = fs.create(file, true)) {
            out.write(bytes);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
