package io.sluice.sink;

import com.codahale.metrics.MetricRegistry;
import java.io.Closeable;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;

/** SKELETON — implementation lands next. */
public final class TableSink implements Closeable {
    public static TableSink open(TableSpec spec, Configuration conf, SchemaSource schemas, MetricRegistry metrics,
                                 CommitHook hook) {
        throw new UnsupportedOperationException("not yet");
    }

    public TableSpec spec() { throw new UnsupportedOperationException(); }
    public PartitionCommitter committer(String topic, int partition) { throw new UnsupportedOperationException(); }
    public void recover() { throw new UnsupportedOperationException(); }
    public Map<TopicPartition, JournalEntry> heads() { throw new UnsupportedOperationException(); }
    public Optional<String> stoppedReason() { throw new UnsupportedOperationException(); }
    public void stop(String reason) { throw new UnsupportedOperationException(); }
    @Override public void close() {}
}
