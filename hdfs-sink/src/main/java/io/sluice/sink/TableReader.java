package io.sluice.sink;

import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** SKELETON — implementation lands next. */
public final class TableReader {
    public static TableReader open(TableSpec spec, Configuration conf) { throw new UnsupportedOperationException(); }
    public Schema latestSchema() { throw new UnsupportedOperationException(); }
    public List<Path> committedFiles() { throw new UnsupportedOperationException(); }
    public List<GenericRecord> readAll() { throw new UnsupportedOperationException(); }
    public void forEach(Consumer<GenericRecord> action) { throw new UnsupportedOperationException(); }
}
