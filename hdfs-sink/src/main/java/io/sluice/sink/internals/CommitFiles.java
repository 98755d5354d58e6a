package io.sluice.sink.internals;

import io.sluice.audit.Buckets;
import io.sluice.audit.RowDigest;
import io.sluice.sink.DeadLetter;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.SinkRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;

/**
 * Writes the files of one commit under temporary names in its writer's directory, and syncs them. Rows are grouped
 * by (partition, writer schema), since an Avro file has one schema, and a group is split into several files when it
 * passes the table's record or byte limit. Nothing here is visible to readers: that happens when the committer
 * renames the files after the journal entry is written. Files are created only in a directory that exists, so a
 * fenced writer (its directory moved away) fails here with {@link java.io.FileNotFoundException}.
 */
public final class CommitFiles {
    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final String codec;
    private final long maxFileRecords;
    private final long maxFileBytes;
    private final SinkMetrics metrics;
    private final Map<Schema, Boolean> canonicalSchemas = new ConcurrentHashMap<>();

    CommitFiles(SinkFileSystem sfs, TablePaths paths, String codec, long maxFileRecords, long maxFileBytes,
                SinkMetrics metrics) {
        this.sfs = sfs;
        this.paths = paths;
        this.codec = codec;
        this.maxFileRecords = maxFileRecords;
        this.maxFileBytes = maxFileBytes;
        this.metrics = metrics;
    }

    /** Told the {@link io.sluice.audit.RowDigest} of every row as it is written. */
    @FunctionalInterface
    public interface RowWritten {
        void accept(SinkRecord row, long rowDigest);
    }

    /** Group key of rows that can share a file. */
    private record Group(String partition, int schemaId) {}

    /**
     * Writes {@code rows} (sorted by offset, all above the journal) as data files of commit {@code seq} in
     * {@code writerDir}.
     * {@code fileSchemas} maps each schema id to the file schema it is written with. {@code written} is told each
     * row's digest; null when the table does not count the audit (then no digest is computed).
     */
    public List<CommittedFile> writeRows(Path writerDir, String topic, int partition, long seq, List<SinkRecord> rows,
                                  Map<Integer, Schema> fileSchemas, boolean metadataField, Buckets auditBuckets,
                                  RowWritten written) throws IOException {
        Map<Group, List<SinkRecord>> groups = new LinkedHashMap<>();
        for (SinkRecord r : rows) {
            groups.computeIfAbsent(new Group(r.partitionPath(), r.schemaId()), g -> new ArrayList<>()).add(r);
        }
        Path tmpDir = writerDir;
        // the files are written by several threads; the caller's tally is not thread-safe
        RowWritten tally = written == null ? null : (row, digest) -> {
            synchronized (written) {
                written.accept(row, digest);
            }
        };
        List<java.util.concurrent.Callable<CommittedFile>> tasks = new ArrayList<>();
        for (Map.Entry<Group, List<SinkRecord>> g : groups.entrySet()) {
            List<SinkRecord> all = g.getValue();
            int from = 0;
            while (from < all.size()) {
                // the next file takes rows until either limit is reached (at least one row per file)
                int to = from;
                long bytes = 0;
                while (to < all.size() && (to == from || (to - from < maxFileRecords && bytes < maxFileBytes))) {
                    bytes += all.get(to).bodyLength();
                    to++;
                }
                List<SinkRecord> chunk = all.subList(from, to);
                Group group = g.getKey();
                Path tmp = new Path(tmpDir, tmpName(seq, "data-" + tasks.size(), ".avro"));
                tasks.add(() -> {
                    // one encoder per file: files are written in parallel
                    long bytesWritten = writeRowFile(tmp, fileSchemas.get(group.schemaId()), chunk, metadataField,
                            new RowSchemas.PositionEncoder(), auditBuckets, tally);
                    long first = chunk.get(0).offset();
                    long last = chunk.get(chunk.size() - 1).offset();
                    String rel = group.partition() + "/" + TablePaths.fileName(topic, partition, first, last);
                    return new CommittedFile(CommittedFile.DATA, relative(tmp), rel, group.partition(), chunk.size(),
                            bytesWritten, first, last, group.schemaId());
                });
                from = to;
            }
        }
        return FileWriters.runAll(tasks);
    }

    public List<CommittedFile> writeDeadLetters(Path writerDir, String table, String topic, int partition, long seq,
                                                List<DeadLetter> deadLetters, ZoneId zone) throws IOException {
        Map<String, List<DeadLetter>> byDay = new LinkedHashMap<>();
        for (DeadLetter d : deadLetters) {
            String day = "dt=" + Instant.ofEpochMilli(Math.max(0, d.timestamp())).atZone(zone).toLocalDate();
            byDay.computeIfAbsent(day, k -> new ArrayList<>()).add(d);
        }
        List<CommittedFile> files = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Map.Entry<String, List<DeadLetter>> e : byDay.entrySet()) {
            List<DeadLetter> list = e.getValue();
            Path tmp = new Path(writerDir, tmpName(seq, "dl-" + files.size(), ".avro"));
            long written;
            metrics.filesOpen.inc();
            try {
                FSDataOutputStream out = sfs.createInExisting(tmp);
                DataFileWriter<GenericRecord> w = new DataFileWriter<>(
                        new GenericDatumWriter<GenericRecord>(DeadLetterRows.SCHEMA));
                try {
                    w.setCodec(CodecFactory.fromString(codec));
                    w.create(DeadLetterRows.SCHEMA, out);
                    for (DeadLetter d : list) {
                        w.append(DeadLetterRows.row(table, d, now));
                    }
                    w.flush();
                    out.hsync();
                    written = out.getPos();
                    w.close(); // closes out
                } catch (IOException | RuntimeException failure) {
                    // the stream is closed even when the writer never opened (an HDFS stream left open keeps its lease)
                    Closing.afterFailure(failure, w, out);
                    throw failure;
                }
            } finally {
                metrics.filesOpen.dec();
            }
            long first = list.get(0).offset();
            long last = list.get(list.size() - 1).offset();
            String rel = e.getKey() + "/" + TablePaths.fileName(topic, partition, first, last);
            files.add(new CommittedFile(CommittedFile.DEAD_LETTER, relative(tmp), rel, e.getKey(), list.size(), written,
                    first, last, -1));
        }
        return files;
    }

    /**
     * A note in a closed partition that this commit changed it (when, how many rows, from where), written in
     * {@code writerDir} to be renamed into place with the commit's files.
     */
    public CommittedFile writeLateMarker(Path writerDir, String table, String topic, int partition, long seq,
                                         String tablePartition, long records, long committedAt) throws IOException {
        Path tmp = new Path(writerDir, tmpName(seq, "late", ".json"));
        byte[] content = lateMarker(table, topic, partition, seq, tablePartition, records, committedAt);
        FSDataOutputStream out = sfs.createInExisting(tmp);
        out.write(content);
        sfs.syncAndClose(out);
        return new CommittedFile(CommittedFile.LATE_MARKER, relative(tmp), lateMarkerPath(topic, partition, seq,
                tablePartition), tablePartition, records, content.length, -1, -1, -1);
    }

    /** Where the late marker of commit {@code seq} of a source partition goes, relative to the table root. */
    public static String lateMarkerPath(String topic, int partition, long seq, String tablePartition) {
        return tablePartition + "/" + TablePaths.LATE_PREFIX + TablePaths.sourceName(topic, partition) + "+" + seq
                + ".json";
    }

    public static byte[] lateMarker(String table, String topic, int partition, long seq, String tablePartition,
                                    long records, long committedAt) {
        String json = "{\"table\":\"" + table + "\",\"partition\":\"" + tablePartition + "\",\"topic\":\"" + topic
                + "\",\"sourcePartition\":" + partition + ",\"journalSeq\":" + seq + ",\"records\":" + records
                + ",\"committedAt\":" + committedAt + "}\n";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A temporary name no other attempt uses. A commit retried with the same sequence number (its first attempt
     * failed) must never overwrite a temporary file that a durable journal entry names: recovery would then
     * rename the retry's content into place under the entry's name.
     */
    private static String tmpName(long seq, String what, String suffix) {
        return seq + "-" + what + "-" + UUID.randomUUID() + suffix;
    }

    private long writeRowFile(Path tmp, Schema schema, List<SinkRecord> rows, boolean metadataField,
                              RowSchemas.PositionEncoder positions, Buckets auditBuckets, RowWritten written)
            throws IOException {
        Map<Long, Long> rowsByBucket = new TreeMap<>();
        for (SinkRecord r : rows) {
            rowsByBucket.merge(auditBuckets.startOf(r.timestamp()), 1L, Long::sum);
        }
        // rows of a schema without maps and arrays are canonical as written; others are decoded to hash them
        boolean canonical = canonical(schema);
        GenericDatumReader<GenericRecord> decode = canonical ? null : new GenericDatumReader<>(schema);
        BinaryDecoder decoder = null;
        GenericRecord reuse = null;
        metrics.filesOpen.inc();
        FSDataOutputStream out;
        try {
            out = sfs.createInExisting(tmp);
        } catch (IOException | RuntimeException e) {
            metrics.filesOpen.dec();
            throw e;
        }
        DataFileWriter<Object> w = new DataFileWriter<>(new GenericDatumWriter<>(schema));
        try {
            w.setCodec(CodecFactory.fromString(codec));
            w.setMeta(FileBuckets.KEY, FileBuckets.format(auditBuckets.widthMillis(), rowsByBucket));
            w.create(schema, out);
            for (SinkRecord r : rows) {
                byte[] row;
                int off;
                int len;
                if (metadataField) {
                    row = positions.row(r.bodyArray(), r.bodyOffset(), r.bodyLength(), r.topic(), r.partition(),
                            r.offset(), r.timestamp());
                    off = 0;
                    len = row.length;
                } else {
                    row = r.bodyArray();
                    off = r.bodyOffset();
                    len = r.bodyLength();
                }
                w.appendEncoded(ByteBuffer.wrap(row, off, len));
                if (written == null) {
                    continue;
                }
                long digest;
                if (canonical) {
                    digest = RowDigest.ofEncoded(row, off, len);
                } else {
                    decoder = DecoderFactory.get().binaryDecoder(row, off, len, decoder);
                    reuse = decode.read(null, decoder);
                    digest = RowDigest.of(reuse, schema);
                }
                written.accept(r, digest);
            }
            w.flush();
            out.hsync(); // durable before the journal entry that names it
            long pos = out.getPos();
            w.close(); // closes out
            return pos;
        } catch (IOException | RuntimeException e) {
            Closing.afterFailure(e, w, out);
            throw e;
        } finally {
            metrics.filesOpen.dec();
        }
    }

    private boolean canonical(Schema schema) {
        return canonicalSchemas.computeIfAbsent(schema, RowDigest::encodingIsCanonical);
    }

    private String relative(Path tmp) {
        String root = paths.root().toUri().getPath();
        return tmp.toUri().getPath().substring(root.length() + 1);
    }
}
