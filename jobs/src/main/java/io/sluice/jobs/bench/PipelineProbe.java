package io.sluice.jobs.bench;

import io.sluice.pipeline.internals.PipelineMetrics;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.TableSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a pipeline run from the outside, the way {@link PlainLoopIngest} times itself from the inside: the first
 * record in hand, the last commit done, and when each journal entry appeared. Runs on its own thread.
 *
 * <ul>
 *   <li>First record: the moment the process's Dropwizard counters of the decode step ({@code sluice.pipeline.
 *       recordsDecoded}, {@code recordsFiltered}, {@code deadLetters}) first move. Embedded Flink runs in this JVM,
 *       so the counters are this process's; only one pipeline may run while a probe watches.</li>
 *   <li>Last commit done: the moment {@code sluice.pipeline.commits} last moved. The commit step counts a commit
 *       after the committer returned, that is after the journal entry and the renames: the rows are visible.</li>
 *   <li>Journal entries: the table's heads, read every {@link #HEADS_EVERY} polls. A new head's offsets are marked
 *       visible at the time it was seen (at most {@code POLL_MS * HEADS_EVERY} late; the renames that follow the
 *       journal write take milliseconds). When a partition committed twice between two reads, the earlier entry's
 *       offsets get the later time: the error only ever makes the pipeline look slower.</li>
 * </ul>
 *
 * The run is done once the heads cover the end offsets and the commit counter has counted every entry the heads
 * account for (a fresh table numbers its entries 1, 2, …), so the last commit's renames are finished too.
 */
final class PipelineProbe implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineProbe.class);
    private static final long POLL_MS = 20;
    private static final int HEADS_EVERY = 5;

    /** Offsets below {@code nextOffset} of one source partition were visible at {@code seenAtMillis} (wall clock). */
    record Visible(long nextOffset, long seenAtMillis) {}

    private final TableSink table;
    private final String topic;
    private final long decodedBase;
    private final long commitsBase;
    private final Map<Integer, List<Visible>> visible = new HashMap<>();
    private volatile Map<Integer, Long> ends;
    private volatile long firstRecordNanos = -1;
    private volatile long lastCommitNanos = -1;
    private volatile long firstCommitNanos = -1;
    private volatile long allDecodedNanos = -1;
    private volatile boolean done;
    private volatile RuntimeException failure;

    PipelineProbe(TableSink table, String topic) {
        this.table = table;
        this.topic = topic;
        this.decodedBase = decoded();
        this.commitsBase = PipelineMetrics.dropwizardCount(PipelineMetrics.COMMITS);
    }

    /** The offsets (exclusive, per partition) the run must commit; until then it is never done. */
    void stopAt(Map<Integer, Long> endOffsets) {
        this.ends = Map.copyOf(endOffsets);
    }

    @Override
    public void run() {
        long lastCommits = 0;
        int polls = 0;
        try {
            while (!done && !Thread.currentThread().isInterrupted()) {
                long now = System.nanoTime();
                long decoded = decoded() - decodedBase;
                if (firstRecordNanos < 0 && decoded > 0) {
                    firstRecordNanos = now;
                }
                Map<Integer, Long> end = ends;
                if (allDecodedNanos < 0 && end != null && decoded >= end.values().stream().mapToLong(Long::longValue).sum()) {
                    allDecodedNanos = now;
                }
                long commits = PipelineMetrics.dropwizardCount(PipelineMetrics.COMMITS) - commitsBase;
                if (commits != lastCommits) {
                    lastCommits = commits;
                    lastCommitNanos = now;
                    if (firstCommitNanos < 0) {
                        firstCommitNanos = now;
                    }
                }
                if (polls++ % HEADS_EVERY == 0) {
                    done = readHeads(commits);
                }
                if (!done) {
                    TimeUnit.MILLISECONDS.sleep(POLL_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /** Records new heads; true once they cover the end offsets and every entry's commit has finished. */
    private boolean readHeads(long commits) {
        Map<TopicPartition, JournalEntry> heads;
        try {
            heads = table.heads();
        } catch (RuntimeException e) {
            // the table may not exist yet, or an old entry was pruned between listing and reading it
            LOG.debug("reading the journal heads of {} failed; trying again", table.spec().root(), e);
            return false;
        }
        long seenAt = System.currentTimeMillis();
        long entries = 0;
        for (Map.Entry<TopicPartition, JournalEntry> h : heads.entrySet()) {
            if (!h.getKey().topic().equals(topic)) {
                continue;
            }
            JournalEntry e = h.getValue();
            entries += e.seq();
            List<Visible> marks;
            synchronized (visible) {
                marks = visible.computeIfAbsent(e.partition(), p -> new ArrayList<>());
                if (marks.isEmpty() || marks.get(marks.size() - 1).nextOffset() < e.nextOffset()) {
                    marks.add(new Visible(e.nextOffset(), seenAt));
                }
            }
        }
        Map<Integer, Long> end = ends;
        if (end == null || commits < entries) {
            return false;
        }
        for (Map.Entry<Integer, Long> p : end.entrySet()) {
            JournalEntry head = heads.get(new TopicPartition(topic, p.getKey()));
            if (p.getValue() > 0 && (head == null || head.nextOffset() < p.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static long decoded() {
        return PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_DECODED)
                + PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_FILTERED)
                + PipelineMetrics.dropwizardCount(PipelineMetrics.DEAD_LETTERS);
    }

    boolean done() {
        if (failure != null) {
            throw failure;
        }
        return done;
    }

    /** {@link System#nanoTime()} when the first record was decoded, or -1. */
    long firstRecordNanos() {
        return firstRecordNanos;
    }

    /** {@link System#nanoTime()} when the last commit finished, or -1. */
    long lastCommitNanos() {
        return lastCommitNanos;
    }

    /** {@link System#nanoTime()} when the first commit finished, or -1: for the log line that splits a run up. */
    long firstCommitNanos() {
        return firstCommitNanos;
    }

    /**
     * {@link System#nanoTime()} when the decode step had seen as many records as the end offsets count (a replay
     * after a restart would count twice, so this is a diagnostic, not a measure), or -1.
     */
    long allDecodedNanos() {
        return allDecodedNanos;
    }

    /** When the row at {@code offset} of {@code partition} was seen committed (wall clock ms), or -1 if never. */
    long visibleAt(int partition, long offset) {
        synchronized (visible) {
            List<Visible> marks = visible.get(partition);
            if (marks == null) {
                return -1;
            }
            int lo = 0;
            int hi = marks.size() - 1;
            int found = -1;
            while (lo <= hi) { // the first mark whose nextOffset is past the offset
                int mid = (lo + hi) >>> 1;
                if (marks.get(mid).nextOffset() > offset) {
                    found = mid;
                    hi = mid - 1;
                } else {
                    lo = mid + 1;
                }
            }
            return found < 0 ? -1 : marks.get(found).seenAtMillis();
        }
    }

    @Override
    public String toString() {
        synchronized (visible) {
            return "probe of " + table.spec().root() + ": ends " + ends + ", journal marks " + visible
                    + ", commits " + (PipelineMetrics.dropwizardCount(PipelineMetrics.COMMITS) - commitsBase);
        }
    }
}
