package io.sluice.sink;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.internals.TableState;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;

/**
 * One warehouse table, open for writing. Hands out a {@link PartitionCommitter} per source partition; the
 * committers share the table's schema history, partition closing and metrics. Opening refuses a root whose
 * store cannot rename atomically.
 *
 * <pre>{@code
 * TableSink sink = TableSink.open(TableSpec.builder("clicks", "hdfs://nn:8020/warehouse/clicks").build(),
 *         hadoopConf, registry::getById, metrics, CommitHook.NONE);
 * PartitionCommitter p0 = sink.committer("clicks", 0);   // recovers p0's journal first
 * p0.commit(rows, deadLetters, lastOffsetConsumed, 0);
 * }</pre>
 *
 * Thread-safe; each committer is used by one thread at a time.
 */
public final class TableSink implements Closeable {
    private final TableState state;

    private TableSink(TableState state) {
        this.state = state;
    }

    public static TableSink open(TableSpec spec, Configuration conf, SchemaSource schemas, MetricRegistry metrics,
                                 CommitHook hook) {
        try {
            return new TableSink(new TableState(spec, conf, schemas, metrics, hook));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open table " + spec.name() + " at " + spec.root(), e);
        }
    }

    public TableSpec spec() {
        return state.spec();
    }

    /** The committer of one source partition, after finishing whatever its last commit left undone. */
    public PartitionCommitter committer(String topic, int partition) {
        return new PartitionCommitter(state, topic, partition);
    }

    /** Recovers every source partition that has a journal (done before a pipeline starts reading). */
    public void recover() {
        try {
            java.util.Set<TopicPartition> sources = new java.util.HashSet<>(state.heads().keySet());
            sources.addAll(state.sourcesWithTemporaries());
            for (TopicPartition tp : sources) {
                state.recoverSource(tp.topic(), tp.partition());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("recovering table " + spec().name() + " failed", e);
        }
    }

    /** The newest journal entry of every source partition this table has committed. */
    public Map<TopicPartition, JournalEntry> heads() {
        try {
            return state.heads();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the journals of table " + spec().name() + " failed", e);
        }
    }

    /** Where the next record of each source partition starts: the journal's next offset. */
    public long nextOffset(TopicPartition tp) {
        try {
            // that partition's journal alone: callers ask partition by partition
            JournalEntry e = state.newest(tp);
            return e == null ? -1 : e.nextOffset();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the journal of " + tp + " in table " + spec().name() + " failed", e);
        }
    }

    /**
     * Declares source partitions this table reads, so that partition closing waits for each of them to commit
     * (a source that has committed nothing yet holds every partition open). Durable and additive: kept in
     * {@code _sluice/sources/}. The launcher declares the partitions that hold records when it starts.
     */
    public void expectSources(java.util.Collection<TopicPartition> sources) {
        try {
            state.expectSources(sources);
        } catch (IOException e) {
            throw new UncheckedIOException("recording the source partitions of table " + spec().name() + " failed", e);
        }
    }

    public Optional<String> stoppedReason() {
        return state.stoppedReason();
    }

    /** Stops the table (kept in {@code _sluice/STOPPED} across restarts). */
    public void stop(String reason) {
        state.stop(reason);
    }

    @Override
    public void close() {
        // committers hold no open files between commits; nothing to release
    }
}
