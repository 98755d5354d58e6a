package io.sluice.jobs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One temporary Avro container file of the plain loop: the rows of one source partition for one event-time
 * partition since the last commit. {@link #finish()} makes the bytes durable (flush, hsync, close); the caller
 * then renames {@link #tmp()} to its final name.
 *
 * <p>Not thread-safe.
 */
final class PlainLoopFile {
    private final Path tmp;
    private final String partitionPath;
    private final int schemaId;
    private final FSDataOutputStream out;
    private final DataFileWriter<Object> writer;
    private final long firstOffset;
    private long lastOffset;
    private long records;

    PlainLoopFile(FileSystem fs, Path tmp, String partitionPath, int schemaId, Schema rowSchema, CodecFactory codec,
                  long firstOffset) throws IOException {
        this.tmp = tmp;
        this.partitionPath = partitionPath;
        this.schemaId = schemaId;
        this.firstOffset = firstOffset;
        this.lastOffset = firstOffset;
        this.out = fs.create(tmp, false);
        try {
            this.writer = new DataFileWriter<>(new GenericDatumWriter<>(rowSchema)).setCodec(codec).create(rowSchema, out);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Appends one row already in Avro binary form; {@code offset} is its source offset (increasing). */
    void append(ByteBuffer encodedRow, long offset) throws IOException {
        writer.appendEncoded(encodedRow);
        lastOffset = offset;
        records++;
    }

    /** Writes the last block, hsyncs it to the datanodes and closes the file; returns its length in bytes. */
    long finish() throws IOException {
        writer.flush();
        out.hsync();
        long length = out.getPos();
        writer.close();
        return length;
    }

    /** Closes without caring about the bytes (the run failed; the temporary file is garbage). */
    void abandon() {
        try {
            writer.close();
        } catch (IOException | RuntimeException ignored) {
            // already failing; the tmp file is never renamed
        }
    }

    Path tmp() {
        return tmp;
    }

    String partitionPath() {
        return partitionPath;
    }

    int schemaId() {
        return schemaId;
    }

    long firstOffset() {
        return firstOffset;
    }

    long lastOffset() {
        return lastOffset;
    }

    long records() {
        return records;
    }
}
