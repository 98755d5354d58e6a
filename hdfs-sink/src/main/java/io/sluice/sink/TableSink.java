package io.sluice.sink;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.internals.TableClaims;
import io.sluice.sink.internals.TableState;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warehouse table, open for writing. Hands out a {@link PartitionCommitter} per source partition, each a writer
 * of one {@link PipelineRun} that fences every older writer of that partition in any JVM; the committers of one
 * table share its schema history, partition closing and metrics. Opening refuses a root whose store cannot rename
 * atomically.
 *
 * <pre>{@code
 * TableSink sink = TableSink.open(TableSpec.builder("clicks", "hdfs://nn:8020/warehouse/clicks").build(),
 *         hadoopConf, registry::getById, metrics, CommitHook.NONE);
 * PipelineRun run = PipelineRun.claimed("clicks-loader");
 * TableClaim claim = sink.claim(run, false, TableSink.DEFAULT_LEASE);   // refused while another run holds it
 * PartitionCommitter p0 = sink.committer("clicks", 0, run);           // fences older writers, finishes their commit
 * p0.commit(CommitBatch.builder().row(r0).row(r1).build());
 * }</pre>
 *
 * Thread-safe; each committer is used by one thread at a time.
 */
public final class TableSink implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TableSink.class);
    /** How long a run's claim on a table stays live without a renewal, unless the run says otherwise. */
    public static final Duration DEFAULT_LEASE = TableClaims.DEFAULT_LEASE;

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

    /**
     * Makes {@code run} the holder of this table; see {@link TableClaim}.
     *
     * @param takeOver take the table from a live holder (whose writers are then fenced), and from a Sluice of an
     *                 earlier version that may still be writing it
     * @param lease    how long the claim stays live without {@link TableClaim#renew()}
     * @throws TableClaimedException if another live run holds the table and {@code takeOver} is false
     */
    public TableClaim claim(PipelineRun run, boolean takeOver, Duration lease) {
        if (!run.claimed()) {
            throw new IllegalArgumentException("run " + run.id() + " is unclaimed: it takes no claims");
        }
        try {
            ClaimHolder holder = state.claims().acquire(run, takeOver, lease, () -> state.olderVersionWriting(lease));
            return new TableClaim(state.claims(), spec().name(), holder);
        } catch (IOException e) {
            throw new UncheckedIOException("claiming table " + spec().name() + " failed", e);
        }
    }

    /** The run that holds (or last held) this table, if any ever did. */
    public Optional<ClaimHolder> holder() {
        try {
            return Optional.ofNullable(state.claims().newest());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the claims of table " + spec().name() + " failed", e);
        }
    }

    /**
     * A new writer of one source partition for {@code run}, after fencing every older writer of it and finishing
     * whatever the journal's last commit left undone.
     *
     * @throws WriterFencedException   if {@code run} lost the table to another run, or a newer writer registered at
     *                                 the same moment
     * @throws TableClaimedException   if {@code run} holds no claims and another live run holds the table
     */
    public PartitionCommitter committer(String topic, int partition, PipelineRun run) {
        return new PartitionCommitter(state, topic, partition, run);
    }

    /** A writer of one source partition for a run of its own that holds no claim (tests, tools). */
    public PartitionCommitter committer(String topic, int partition) {
        return committer(topic, partition, PipelineRun.unclaimed("direct"));
    }

    /**
     * Recovers every source partition that has any commit state, for {@code run}: registers a writer for each (which
     * fences every writer of an earlier attempt or run), finishes its last commit, deletes what nothing names, and
     * retires the writer. Done before a pipeline starts reading, so the table holds exactly what its journals say.
     */
    public void recover(PipelineRun run) {
        try {
            for (TopicPartition tp : state.sourcesWithState()) {
                committer(tp.topic(), tp.partition(), run).retire();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("recovering table " + spec().name() + " failed", e);
        }
    }

    /** Recovers as {@link #recover(PipelineRun)} does, for a run of its own that holds no claim. */
    public void recover() {
        recover(PipelineRun.unclaimed("recovery"));
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
     * Whether the files of {@code tp}'s newest commit are in place, where readers see them: its journal entry is
     * the commit point, and the renames that place its files follow it.
     */
    public boolean newestCommitPlaced(TopicPartition tp) {
        try {
            JournalEntry e = state.newest(tp);
            return e == null || state.isPlaced(e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the journal of " + tp + " in table " + spec().name() + " failed", e);
        }
    }

    /**
     * Declares source partitions this table reads, so that partition closing waits for each of them to commit
     * (a source that has committed nothing yet holds every partition open). Durable and additive: kept in
     * {@code _sluice/sources/}. The launcher declares the partitions that hold records when it starts.
     */
    public void expectSources(Collection<TopicPartition> sources) {
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
        LOG.debug("table {} closed", spec().name());
    }
}
