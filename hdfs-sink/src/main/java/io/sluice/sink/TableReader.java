package io.sluice.sink;

import io.sluice.sink.internals.DeadLetterRows;
import io.sluice.sink.internals.SchemaHistory;
import io.sluice.sink.internals.SinkFileSystem;
import io.sluice.sink.internals.TablePaths;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Reads a table back as a warehouse reader would: every committed data file (names starting with '_' or
 * '.' are not data), each with its own writer schema resolved to the table's latest schema. Used by tests,
 * the quickstart's summary and the warehouse audit.
 */
public final class TableReader {
    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final Schema latest;

    private TableReader(SinkFileSystem sfs, TablePaths paths, Schema latest) {
        this.sfs = sfs;
        this.paths = paths;
        this.latest = latest;
    }

    public static TableReader open(TableSpec spec, Configuration conf) {
        try {
            SinkFileSystem sfs = SinkFileSystem.forRoot(spec.root(), conf);
            TablePaths paths = new TablePaths(sfs.qualify(spec.root()), sfs.qualify(spec.deadLetterRoot()), spec.name());
            SchemaHistory history = new SchemaHistory(sfs, paths.schemas(), id -> {
                throw new IllegalStateException("a reader does not add schemas");
            }, spec.metadataField());
            return new TableReader(sfs, paths, history.latest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open table " + spec.name() + " for reading", e);
        }
    }

    /** The schema the whole table reads back with; null while nothing has been committed. */
    public Schema latestSchema() {
        return latest;
    }

    /** Every committed data file, in path order. */
    public List<Path> committedFiles() {
        return listData(paths.root());
    }

    /** The dead-letter files of this table. */
    public List<Path> deadLetterFiles() {
        return listData(paths.deadLetterRoot());
    }

    public List<GenericRecord> readAll() {
        List<GenericRecord> all = new ArrayList<>();
        forEach(all::add);
        return all;
    }

    /** Calls {@code action} with every row of every committed file, resolved to {@link #latestSchema()}. */
    public void forEach(Consumer<GenericRecord> action) {
        for (Path f : committedFiles()) {
            read(f, latest, action);
        }
    }

    public List<GenericRecord> deadLetters() {
        List<GenericRecord> all = new ArrayList<>();
        for (Path f : deadLetterFiles()) {
            read(f, DeadLetterRows.SCHEMA, all::add);
        }
        return all;
    }

    /** Reads one file with its own writer schema resolved to {@code reader} (null: the writer schema). */
    public void read(Path file, Schema reader, Consumer<GenericRecord> action) {
        try (FSDataInputStream in = sfs.fs().open(file);
             DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>(null, reader))) {
            GenericRecord reuse = null;
            while (stream.hasNext()) {
                reuse = stream.next(null);
                action.accept(reuse);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        }
    }

    /**
     * Reads one file with its writer schema, as it is: {@code header} is given the open stream first (for the
     * file's schema and metadata), then {@code action} each row in file order. Stops at the first row or block that
     * cannot be read and throws, after the rows before it were given.
     *
     * @throws IOException if the file cannot be opened or read
     * @throws RuntimeException as Avro throws it for a damaged block (bad sync marker, checksum, malformed data)
     */
    public void readAsWritten(Path file, Consumer<DataFileStream<GenericRecord>> header, Consumer<GenericRecord> action)
            throws IOException {
        try (FSDataInputStream in = sfs.fs().open(file);
             DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
            header.accept(stream);
            while (stream.hasNext()) {
                action.accept(stream.next(null));
            }
        }
    }

    private List<Path> listData(Path dir) {
        List<Path> out = new ArrayList<>();
        try {
            walk(dir, out);
        } catch (FileNotFoundException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir + " failed", e);
        }
        out.sort(null);
        return out;
    }

    private void walk(Path dir, List<Path> out) throws IOException {
        for (FileStatus s : sfs.fs().listStatus(dir)) {
            String name = s.getPath().getName();
            if (TablePaths.isHidden(name)) {
                continue;
            }
            if (s.isDirectory()) {
                walk(s.getPath(), out);
            } else if (name.endsWith(".avro")) {
                out.add(s.getPath());
            }
        }
    }
}
