package io.sluice.pipeline.internals;

import io.sluice.pipeline.TableResolver;
import io.sluice.sink.CommitHook;
import io.sluice.sink.CommitResult;
import io.sluice.sink.DeadLetter;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.PartitionCommitter;
import io.sluice.sink.SinkRecord;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import io.sluice.sink.TableStoppedException;
import java.util.ArrayList;
import java.util.Comparator;
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
 * hands them to the table's {@link PartitionCommitter} when the table's commit interval has passed since the first
 * buffered element (a processing-time timer, so a quiet topic is still committed) or when the buffer reaches the
 * table's file limits.
 *
 * <p>Why buffer in Beam state rather than in the DoFn: on Flink the buffer is checkpointed together with the
 * source's position, so after a task failure the restored source position and the restored buffer agree and no
 * record falls between them; the journal then makes a replay harmless (the committer drops what it already holds).
 * A commit covers every offset up to the highest one buffered ({@code throughOffset}), so filtered records and
 * offsets missing from the log are covered too. That relies on a source partition's elements arriving here in
 * offset order: KafkaIO reads a partition sequentially in one reader, the decode step is a plain ParDo, and both the
 * DirectRunner and Flink keep the order of one key from one upstream instance. (A runner that reordered a key's
 * elements across a commit would make the committer drop the late ones as replays.)
 *
 * <p>A stopped table (incompatible schema, retention gap) takes no commits: its buffered records are counted and
 * dropped without a commit, so its journal does not move and they are read again once an operator has fixed the
 * table and restarted. A commit that fails otherwise is thrown: the runner retries the bundle (Flink restores the
 * last checkpoint), and the committer is reopened from the FileSystem first.
 */
public final class CommitFn extends DoFn<KV<String, SinkElement>, Void> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CommitFn.class);
    /** Tables a stop was already logged for in this JVM (with the reason), so a stopped table logs once. */
    private static final Set<String> STOP_LOGGED = ConcurrentHashMap.newKeySet();

    private final TableResolver tables;
    private final String registryUrl;
    private final Map<String, String> hadoopConf;
    private final CommitHook hook;

    @StateId("key")
    private final StateSpec<ValueState<String>> keySpec = StateSpecs.value(StringUtf8Coder.of());
    @StateId("buffer")
    private final StateSpec<BagState<SinkElement>> bufferSpec = StateSpecs.bag(SinkElementCoder.of());
    @StateId("count")
    private final StateSpec<ValueState<Long>> countSpec = StateSpecs.value(VarLongCoder.of());
    @StateId("bytes")
    private final StateSpec<ValueState<Long>> bytesSpec = StateSpecs.value(VarLongCoder.of());
    @StateId("maxOffset")
    private final StateSpec<ValueState<Long>> maxOffsetSpec = StateSpecs.value(VarLongCoder.of());
    @TimerId("commit")
    private final TimerSpec commitTimer = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    public CommitFn(TableResolver tables, String registryUrl, Map<String, String> hadoopConf, CommitHook hook) {
        this.tables = tables;
        this.registryUrl = registryUrl;
        this.hadoopConf = Map.copyOf(hadoopConf);
        this.hook = hook;
    }

    @ProcessElement
    public void process(@Element KV<String, SinkElement> element,
                        @StateId("key") ValueState<String> key,
                        @StateId("buffer") BagState<SinkElement> buffer,
                        @StateId("count") ValueState<Long> count,
                        @StateId("bytes") ValueState<Long> bytes,
                        @StateId("maxOffset") ValueState<Long> maxOffset,
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
        Long max = maxOffset.read();
        if (max == null || e.offset() > max) {
            maxOffset.write(e.offset());
        }
        if (n >= spec.maxFileRecords() || b >= spec.maxFileBytes()) {
            commit(k, spec, key, buffer, count, bytes, maxOffset);
            timer.clear();
        }
    }

    @OnTimer("commit")
    public void onCommitTimer(@StateId("key") ValueState<String> key,
                              @StateId("buffer") BagState<SinkElement> buffer,
                              @StateId("count") ValueState<Long> count,
                              @StateId("bytes") ValueState<Long> bytes,
                              @StateId("maxOffset") ValueState<Long> maxOffset) {
        String text = key.read();
        if (text == null || orZero(count.read()) == 0) {
            return; // committed early since the timer was set
        }
        CommitKey k = CommitKey.parse(text);
        commit(k, tables.tableFor(k.topic()), key, buffer, count, bytes, maxOffset);
    }

    private void commit(CommitKey k, TableSpec spec, ValueState<String> key, BagState<SinkElement> buffer,
                        ValueState<Long> count, ValueState<Long> bytes, ValueState<Long> maxOffset) {
        List<SinkRecord> rows = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        List<FilteredRecord> filtered = new ArrayList<>();
        for (SinkElement e : buffer.read()) {
            switch (e.kind()) {
                case ROW -> rows.add(e.row());
                case DEAD_LETTER -> deadLetters.add(e.deadLetter());
                case FILTERED -> filtered.add(e.filtered());
            }
        }
        long through = maxOffset.read();
        rows.sort(Comparator.comparingLong(SinkRecord::offset));
        deadLetters.sort(Comparator.comparingLong(DeadLetter::offset));

        TableSinks.commitStarted(spec.root());
        try {
            commitOrDrop(k, spec, rows, deadLetters, through, filtered);
        } finally {
            TableSinks.commitEnded(spec.root());
        }
        buffer.clear();
        count.clear();
        bytes.clear();
        maxOffset.clear();
        key.clear();
    }

    private void commitOrDrop(CommitKey k, TableSpec spec, List<SinkRecord> rows, List<DeadLetter> deadLetters,
                              long through, List<FilteredRecord> filtered) {
        long held = rows.size() + deadLetters.size() + filtered.size();
        TableSink sink = TableSinks.sink(spec, hadoopConf, registryUrl, hook);
        Optional<String> stopped = sink.stoppedReason();
        if (stopped.isPresent()) {
            dropForStoppedTable(spec, k, held, stopped.get());
            return;
        }
        PartitionCommitter committer =
                TableSinks.committer(spec, k.topic(), k.partition(), hadoopConf, registryUrl, hook);
        long started = System.nanoTime();
        try {
            CommitResult result;
            synchronized (committer) {
                result = committer.commit(rows, deadLetters, through, filtered);
            }
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
        } catch (TableStoppedException e) {
            dropForStoppedTable(spec, k, held, e.getMessage());
        } catch (RuntimeException | Error e) {
            // the committer's in-memory view may be half way through this commit: reopen it (and recover the
            // journal) before the retried bundle commits again
            TableSinks.forgetCommitter(spec, k.topic(), k.partition());
            throw e;
        }
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
