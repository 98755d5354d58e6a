package io.sluice.pipeline.internals;

import io.sluice.pipeline.TableResolver;
import io.sluice.sink.CommitBatch;
import io.sluice.sink.CommitHook;
import io.sluice.sink.CommitResult;
import io.sluice.sink.PartitionCommitter;
import io.sluice.sink.PipelineRun;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import io.sluice.sink.TableStoppedException;
import io.sluice.sink.WriterFencedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit step, per {@code table|topic|partition}: buffers the source partition's elements in Beam state and
 * hands them to a {@link PartitionCommitter} when the table's commit interval has passed since the first buffered
 * element (a processing-time timer, so a quiet topic is still committed) or when the buffer reaches the table's file
 * limits.
 *
 * <p>Why buffer in Beam state rather than in the DoFn: on Flink the buffer is checkpointed together with the
 * source's position, so after a task failure the restored source position and the restored buffer agree and no
 * record falls between them; the journal then makes a replay harmless. Each element says which offsets it covers, and
 * the committer commits only what chains without a break from where the journal stands, so the order in which
 * elements arrive and how they are split into bundles does not matter: what comes after a break stays buffered for
 * the next commit.
 *
 * <p>Who commits. Each instance of this DoFn registers its own writer per source partition (a {@link PartitionCommitter}
 * of the job's {@link PipelineRun}), which fences every other writer of that partition, and the key's state names
 * the writer that last took it. An instance whose writer is not the one the state names re-registers before it commits:
 * within one attempt of a job, Beam hands a key to one instance at a time, so the state is current and the
 * hand-over is legitimate. A zombie of an earlier attempt (a Flink task still running after a failover) keeps its own
 * stale state and its own writer, which the new attempt's writer fenced: its commit fails and stops it. No rule of
 * the form "one committer per JVM" is needed.
 *
 * <p>A stopped table (incompatible schema, a gap in the log) takes no commits: its buffered records are counted and
 * dropped without a commit, so its journal does not move and they are read again once an operator has fixed the
 * table and restarted. A commit that fails otherwise is thrown: the runner retries the bundle (Flink restores the
 * last checkpoint).
 */
public final class CommitFn extends DoFn<KV<String, SinkElement>, Void> {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(CommitFn.class);
    /** Tables a stop was already logged for in this JVM (with the reason), so a stopped table logs once. */
    private static final Set<String> STOP_LOGGED = ConcurrentHashMap.newKeySet();

    private final TableResolver tables;
    private final String registryUrl;
    private final Map<String, String> hadoopConf;
    private final CommitHook hook;
    private final PipelineRun run;
    /** This instance's writers, by commit key. */
    private transient Map<String, PartitionCommitter> writers;

    @StateId("key")
    private final StateSpec<ValueState<String>> keySpec = StateSpecs.value(StringUtf8Coder.of());
    @StateId("buffer")
    private final StateSpec<BagState<SinkElement>> bufferSpec = StateSpecs.bag(SinkElementCoder.of());
    @StateId("count")
    private final StateSpec<ValueState<Long>> countSpec = StateSpecs.value(VarLongCoder.of());
    @StateId("bytes")
    private final StateSpec<ValueState<Long>> bytesSpec = StateSpecs.value(VarLongCoder.of());
    /** The writer that last registered for this key ({@code <epoch>.<id>}). */
    @StateId("writer")
    private final StateSpec<ValueState<String>> writerSpec = StateSpecs.value(StringUtf8Coder.of());
    @TimerId("commit")
    private final TimerSpec commitTimer = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    public CommitFn(TableResolver tables, String registryUrl, Map<String, String> hadoopConf, CommitHook hook,
                    PipelineRun run) {
        this.tables = tables;
        this.registryUrl = registryUrl;
        this.hadoopConf = Map.copyOf(hadoopConf);
        this.hook = hook;
        this.run = run;
    }

    @Setup
    public void setup() {
        writers = new HashMap<>();
    }

    /** Best effort: a writer that is not retired is fenced by the next one. */
    @Teardown
    public void teardown() {
        if (writers != null) {
            writers.values().forEach(PartitionCommitter::retire);
            writers.clear();
        }
    }

    /** The state a commit works on. */
    private record Buffered(ValueState<String> key, BagState<SinkElement> buffer, ValueState<Long> count,
                            ValueState<Long> bytes, ValueState<String> writer) {}

    @ProcessElement
    public void process(@Element KV<String, SinkElement> element,
                        @StateId("key") ValueState<String> key,
                        @StateId("buffer") BagState<SinkElement> buffer,
                        @StateId("count") ValueState<Long> count,
                        @StateId("bytes") ValueState<Long> bytes,
                        @StateId("writer") ValueState<String> writer,
                        @TimerId("commit") Timer timer) {
        CommitKey k = CommitKey.parse(element.getKey());
        TableSpec spec = tables.tableFor(k.topic());
        SinkElement e = element.getValue();
        long n = orZero(count.read());
        if (n == 0) {
            key.write(element.getKey());
            timer.offset(Duration.millis(spec.commitInterval().toMillis())).setRelative();
        }
        buffer.add(e);
        n++;
        long b = orZero(bytes.read()) + e.size();
        count.write(n);
        bytes.write(b);
        // on crossing a file limit, not on every element after it: records that wait for earlier offsets keep the buffer
        // above it until the timer's next attempt
        if (n == spec.maxFileRecords() || (b >= spec.maxFileBytes() && b - e.size() < spec.maxFileBytes())) {
            if (commit(k, spec, new Buffered(key, buffer, count, bytes, writer))) {
                timer.clear();
            }
        }
    }

    @OnTimer("commit")
    public void onCommitTimer(@StateId("key") ValueState<String> key,
                              @StateId("buffer") BagState<SinkElement> buffer,
                              @StateId("count") ValueState<Long> count,
                              @StateId("bytes") ValueState<Long> bytes,
                              @StateId("writer") ValueState<String> writer,
                              @TimerId("commit") Timer timer) {
        String text = key.read();
        if (text == null || orZero(count.read()) == 0) {
            return; // committed early since the timer was set
        }
        CommitKey k = CommitKey.parse(text);
        TableSpec spec = tables.tableFor(k.topic());
        if (!commit(k, spec, new Buffered(key, buffer, count, bytes, writer))) {
            // records wait for earlier offsets: try again in a commit interval
            timer.offset(Duration.millis(spec.commitInterval().toMillis())).setRelative();
        }
    }

    /** Commits what the buffer holds; true when it is empty afterwards, false when records wait for earlier ones. */
    private boolean commit(CommitKey k, TableSpec spec, Buffered state) {
        List<SinkElement> held = new ArrayList<>();
        CommitBatch.Builder batch = CommitBatch.builder().marksReadStarts(); // JournalStartConsumer marks them
        for (SinkElement e : state.buffer().read()) {
            held.add(e);
            if (e.startsRead()) {
                batch.readStartedAt(e.coversFrom());
            }
            switch (e.kind()) {
                case ROW -> batch.row(e.row(), e.coversFrom());
                case DEAD_LETTER -> batch.deadLetter(e.deadLetter(), e.coversFrom());
                case FILTERED -> batch.filtered(e.filtered(), e.coversFrom());
                case GAP -> batch.gap(e.gapRange());
            }
        }
        CommitBatch leftover = commitOrDrop(k, spec, batch.build(), held.size(), state.writer());
        if (leftover == null) {
            state.buffer().clear();
            state.count().clear();
            state.bytes().clear();
            state.key().clear();
            return true;
        }
        Set<Long> waiting = leftover.offsets();
        state.buffer().clear();
        long n = 0;
        long b = 0;
        for (SinkElement e : held) {
            if (waiting.contains(e.offset())) {
                state.buffer().add(e);
                n++;
                b += e.size();
            }
        }
        state.count().write(n);
        state.bytes().write(b);
        PipelineMetrics.count(PipelineMetrics.RECORDS_WAITING_FOR_EARLIER, n);
        return false;
    }

    /** Commits {@code batch}; returns what must wait for earlier offsets, or null when nothing does. */
    private CommitBatch commitOrDrop(CommitKey k, TableSpec spec, CommitBatch batch, long held,
                                     ValueState<String> writerState) {
        TableSink sink = TableSinks.sink(spec, hadoopConf, registryUrl, hook);
        Optional<String> stopped = sink.stoppedReason();
        if (stopped.isPresent()) {
            dropForStoppedTable(spec, k, held, stopped.get());
            return null;
        }
        String commitKey = CommitKey.of(k.table(), k.topic(), k.partition());
        long started = System.nanoTime();
        try {
            PartitionCommitter committer = writerFor(commitKey, sink, k, writerState);
            CommitResult result = committer.commit(batch);
            long millis = (System.nanoTime() - started) / 1_000_000;
            PipelineMetrics.count(PipelineMetrics.RECORDS_SKIPPED_AS_REPLAYED, result.skipped());
            if (result.committed()) {
                PipelineMetrics.count(PipelineMetrics.COMMITS, 1);
                PipelineMetrics.count(PipelineMetrics.RECORDS_COMMITTED, result.entry().records());
                PipelineMetrics.count(PipelineMetrics.DEAD_LETTERS_COMMITTED, result.entry().deadLetters());
                PipelineMetrics.count(PipelineMetrics.BYTES_COMMITTED, result.entry().bytes());
                PipelineMetrics.commitLatency(spec.name(), millis);
                LOG.debug("committed {}-{} offsets {}..{} into table {}: {} rows, {} dead letters, {} filtered in {} ms",
                        k.topic(), k.partition(), result.entry().fromOffset(), result.entry().toOffset(), spec.name(),
                        result.entry().records(), result.entry().deadLetters(), result.entry().filtered(), millis);
            }
            return result.leftover();
        } catch (TableStoppedException e) {
            dropForStoppedTable(spec, k, held, e.getMessage());
            return null;
        } catch (WriterFencedException e) {
            writers.remove(commitKey);
            LOG.error("{}-{} into table {}: this writer was fenced and stops; the newer writer goes on: {}",
                    k.topic(), k.partition(), spec.name(), e.getMessage());
            throw e;
        }
    }

    /**
     * This instance's writer of the key, registered anew when the key's state names another writer (a sibling
     * instance of this attempt took the key over since) or this instance has none.
     */
    private PartitionCommitter writerFor(String commitKey, TableSink sink, CommitKey k, ValueState<String> state) {
        PartitionCommitter mine = writers.get(commitKey);
        String named = state.read();
        if (mine != null && named != null && !named.equals(mine.writerName())) {
            writers.remove(commitKey); // its view of the journal is stale, and it was fenced by the one named
            mine = null;
        }
        if (mine == null) {
            mine = sink.committer(k.topic(), k.partition(), run);
            writers.put(commitKey, mine);
            state.write(mine.writerName());
            PipelineMetrics.count(PipelineMetrics.WRITERS_REGISTERED, 1);
            LOG.info("{}-{} into table {}: writer {} of run {} registered (the key's state named {})", k.topic(),
                    k.partition(), sink.spec().name(), mine.writerName(), run.shortId(), named);
        }
        return mine;
    }

    private static void dropForStoppedTable(TableSpec spec, CommitKey k, long held, String reason) {
        PipelineMetrics.count(PipelineMetrics.RECORDS_HELD_BY_STOPPED_TABLE, held);
        if (STOP_LOGGED.add(spec.root() + "\u0000" + reason)) {
            LOG.error("table {} at {} is stopped and takes no commits; its records stay in the log and are read"
                            + " again after the table is fixed and the job restarted ({}-{}: {} records not"
                            + " committed now). Reason: {}", spec.name(), spec.root(), k.topic(), k.partition(),
                    held, reason);
        }
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
