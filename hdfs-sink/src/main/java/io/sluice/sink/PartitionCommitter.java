package io.sluice.sink;

import com.codahale.metrics.Timer;
import io.sluice.audit.Buckets;
import io.sluice.audit.RecordDigest;
import io.sluice.sink.CommitBatch.Item;
import io.sluice.sink.CommitPlanner.Plan;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.internals.AuditTally;
import io.sluice.sink.internals.CommitFiles;
import io.sluice.sink.internals.Journal;
import io.sluice.sink.internals.SchemaHistory.IncompatibleSchemaException;
import io.sluice.sink.internals.SourceWriters;
import io.sluice.sink.internals.SourceWriters.Registration;
import io.sluice.sink.internals.TablePaths;
import io.sluice.sink.internals.TableState;
import io.sluice.sink.internals.TableState.Renamer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer of one source partition of one table: commits what a pipeline consumed from the partition, exactly once,
 * fenced against every other writer of the partition in any JVM. Each {@link #commit} is one step of the protocol:
 *
 * <ol>
 *   <li>decide the range ({@link CommitPlanner}): from where the journal stands, as far as the batch's coverage
 *       chains without a break; replays below the journal are dropped (one that falls in a hole of a committed range
 *       fails loudly instead), items past a break wait for a later batch;</li>
 *   <li>write and sync every file in this writer's own directory ({@code _sluice/writers/<source>/<epoch>.<id>/});</li>
 *   <li>write the journal entry: its draft in the same directory, renamed to its number without replacing (the
 *       commit point: a fenced writer has no directory and cannot pass it);</li>
 *   <li>rename the files into place, then leave late markers and close the partitions the table's progress has
 *       passed.</li>
 * </ol>
 *
 * Opening a committer registers a new writer, which moves every older writer's directory away (fences it) and then
 * finishes the journal's newest entry from wherever its files are: a crash before 3 leaves files that nothing names
 * (deleted), one after 3 leaves renames that the next writer finishes. Readers only ever see whole files.
 *
 * <p>Not thread-safe: a source partition's commits come from one thread at a time (Beam processes a key in one place
 * at a time). Two committers of one source partition (two JVMs, two attempts of a job) may exist at once; the newer
 * one's registration fences the older, whose next commit throws {@link WriterFencedException}.
 */
public final class PartitionCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCommitter.class);
    /** Commits in a row that found the same break in coverage before the committer calls it lost, not late. */
    static final int BREAK_PATIENCE = 30;

    private final TableState table;
    private final String topic;
    private final int partition;
    private final TopicPartition tp;
    private final Journal journal;
    private final SourceWriters writers;
    private final PipelineRun run;
    private final Map<Long, JournalEntry> entryCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, JournalEntry> eldest) {
            return size() > 64;
        }
    };
    private Registration registration;
    private JournalEntry head;
    /** A commit failed part-way: this committer's view of the journal may be wrong until it recovers again. */
    private boolean needsRecovery;
    private WriterFencedException fenced;
    private long breakAt = -1;
    private int breakSeen;

    PartitionCommitter(TableState table, String topic, int partition, PipelineRun run) {
        this.table = table;
        this.topic = topic;
        this.partition = partition;
        this.tp = new TopicPartition(topic, partition);
        this.run = run;
        this.journal = new Journal(table.sfs(), table.paths().journal(topic, partition));
        this.writers = new SourceWriters(table.sfs(), table.paths(), table.spec().name(), topic, partition);
        try {
            table.claims().checkWriter(run);
            JournalEntry newest = journal.newest().orElse(null);
            registration = writers.register(run, newest == null || newest.writer() == null ? 0 : newest.writer().epoch());
            recover();
        } catch (IOException e) {
            throw new UncheckedIOException("registering a writer of " + topic + "-" + partition + " in table "
                    + table.spec().name() + " failed", e);
        }
    }

    /**
     * Loads where this source partition stands from its journal, after finishing the newest entry's renames and
     * deleting what nothing names: fenced writers' directories, a failed commit's files in this writer's own, and the
     * temporary files of Sluice 0.1. Run when the committer is made and again after a commit failed part-way: the
     * journal invariant (entry n's renames are done before entry n+1 is written) only holds if a commit that failed
     * after its entry became durable is finished before the next one starts.
     */
    private void recover() throws IOException {
        if (!writers.isLive(registration)) {
            throw fenced("it was fenced by a newer writer");
        }
        JournalEntry newest = journal.newest().orElse(null);
        if (newest != null) {
            table.applyRenames(newest, Renamer.RECOVERY);
            table.sawHead(newest);
            lateMarkersAfterRenames(newest, committedPartitions(newest));
        }
        // listed before the journal is read again: every entry of a writer fenced by then is in that reading
        List<String> fencedNow = writers.fencedNames();
        JournalEntry fresh = journal.newest().orElse(null);
        writers.deleteFenced(fencedNow, fresh, fresh == null || table.isPlaced(fresh));
        writers.clearOwn(registration);
        journal.deleteTemporaries();
        if (newest == null || newest.version() > 1 || table.isPlaced(newest)) {
            // Sluice 0.1's files of commits that never reached the journal (its writer cannot be live: the claim
            // refused the table while it committed recently)
            table.sfs().deleteRecursively(table.paths().tmp(topic, partition));
        }
        head = newest;
        needsRecovery = false;
    }

    private boolean liveQuietly() {
        try {
            return writers.isLive(registration);
        } catch (IOException e) {
            return true; // cannot tell: report the original error
        }
    }

    private WriterFencedException fenced(String why) {
        fenced = new WriterFencedException("writer " + registration.name() + " of " + topic + "-" + partition
                + " in table " + table.spec().name() + " (run " + run.shortId() + ", pipeline " + run.pipeline()
                + ") may commit nothing more: " + why);
        return fenced;
    }

    public String topic() { return topic; }
    public int partition() { return partition; }

    /** This writer's name, {@code <epoch>.<id>}. */
    public String writerName() {
        return registration.name();
    }

    public long epoch() {
        return registration.epoch();
    }

    /** Every offset below this is committed; -1 when this source partition has never been committed. */
    public long nextOffset() {
        return head == null ? -1 : head.nextOffset();
    }

    /** Whether the record at {@code offset} is already in the table (as far as this writer last read the journal). */
    public boolean isCommitted(long offset) {
        return offset < nextOffset();
    }

    /**
     * Commits the records consumed up to and including {@code throughOffset}, which the caller vouches it consumed
     * whole, with {@code filtered} records a transform filtered out that the caller can only count: the audit
     * accounts for them in no bucket ({@link JournalEntry.AuditState#unattributed()}), so prefer
     * {@link #commit(List, List, long, List)}.
     */
    public CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset, long filtered) {
        return commit(CommitBatch.vouched(rows, deadLetters, List.of(), filtered, throughOffset));
    }

    /**
     * Commits the records consumed up to and including {@code throughOffset}, which the caller vouches it consumed
     * whole (offsets with no record in the lists are holes: absent from the log).
     *
     * @throws IllegalArgumentException if a row, dead letter or filtered record lies past {@code throughOffset} (it
     *                                  would be lost)
     */
    public CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset,
                               List<FilteredRecord> filtered) {
        return commit(CommitBatch.vouched(rows, deadLetters, filtered, 0, throughOffset));
    }

    /**
     * Commits what {@code batch} covers contiguously from where the journal stands; see {@link CommitBatch}. What lies
     * past a break in coverage comes back in {@link CommitResult#leftover()}, for the caller to hand in again with
     * what fills the break.
     *
     * @throws TableStoppedException  if the table is stopped, or stops now (an incompatible writer schema, a gap in
     *                                the log under {@link GapPolicy#STOP}: what came before it is committed first)
     * @throws WriterFencedException  if a newer writer fenced this one; this committer is done
     * @throws IllegalStateException  if a replayed record falls in a hole of a committed range (the log holds a record
     *                                the commit was sure it did not), or a break in coverage outlasts
     *                                {@link #BREAK_PATIENCE} commits
     */
    public CommitResult commit(CommitBatch batch) {
        if (fenced != null) {
            throw new WriterFencedException(fenced.getMessage());
        }
        table.requireRunning();
        try {
            if (needsRecovery) {
                recover();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("recovering the journal of " + topic + "-" + partition + " in table "
                    + table.spec().name() + " failed", e);
        }
        Plan plan = CommitPlanner.plan(nextOffset(), batch, table.spec().onGap());
        checkReplays(plan.replays());
        if (plan.skipped() > 0) {
            table.metrics().replayedSkipped.inc(plan.skipped());
        }
        watchBreak(plan);
        CommitResult result = new CommitResult(null, plan.skipped(), Set.of(), Set.of(), leftover(plan, batch));
        if (plan.commits()) {
            result = commitRange(plan, batch);
        }
        if (plan.stop() != null) {
            throw table.stop(gapReason(plan.stop()));
        }
        return result;
    }

    private String gapReason(OffsetGap g) {
        return g.reason() == OffsetGap.Reason.TRUNCATED
                ? "the log of " + tp + " no longer holds offsets " + g.from() + ".." + g.to() + " that the table"
                        + " has committed or was reading (the topic was deleted and recreated, or its log truncated);"
                        + " the table cannot vouch that its rows are what the log holds"
                : "offsets " + g.from() + ".." + g.to() + " of " + tp + " were deleted by retention before they were"
                        + " ingested (set the table's on-gap to record to accept the loss and go on)";
    }

    private static CommitBatch leftover(Plan plan, CommitBatch batch) {
        if (plan.leftover().isEmpty()) {
            return null;
        }
        CommitBatch.Builder b = CommitBatch.builder();
        batch.readStarts().forEach(b::readStartedAt);
        if (batch.marksReadStarts()) {
            b.marksReadStarts();
        }
        for (Item i : plan.leftover()) {
            Object p = i.payload();
            if (p instanceof SinkRecord r) {
                b.row(r, i.coversFrom());
            } else if (p instanceof DeadLetter d) {
                b.deadLetter(d, i.coversFrom());
            } else if (p instanceof FilteredRecord f) {
                b.filtered(f, i.coversFrom());
            } else if (p instanceof OffsetGap g) {
                b.gap(g);
            } else {
                throw new IllegalStateException("unexpected item " + p);
            }
        }
        return b.build();
    }

    /** A break in coverage that never fills means a record was lost on the way here: say so rather than wait forever. */
    private void watchBreak(Plan plan) {
        if (plan.leftover().isEmpty()) {
            breakAt = -1;
            breakSeen = 0;
            return;
        }
        long missingFrom = plan.commits() ? plan.to() + 1 : Math.max(0, nextOffset());
        long missingTo = plan.leftover().get(0).coversFrom() - 1;
        if (missingFrom == breakAt) {
            breakSeen++;
        } else {
            breakAt = missingFrom;
            breakSeen = 1;
        }
        LOG.warn("table {}: {} offsets {}..{} have not reached the commit yet; {} records after them wait ({} time{})",
                table.spec().name(), tp, missingFrom, missingTo, plan.leftover().size(), breakSeen,
                breakSeen == 1 ? "" : "s in a row");
        if (breakSeen > BREAK_PATIENCE) {
            throw new IllegalStateException("table " + table.spec().name() + ": offsets " + missingFrom + ".."
                    + missingTo + " of " + tp + " never reached the commit in " + BREAK_PATIENCE + " commits while "
                    + plan.leftover().size() + " later records waited: they were lost between the reader and the"
                    + " commit; the job restarts from the journal");
        }
    }

    /**
     * A replay is a record below the journal's next offset: normal after a restore. One that falls in a hole of the
     * range that committed it means the range was committed without it: never drop that silently.
     */
    private void checkReplays(List<Item> replays) {
        if (replays.isEmpty() || head == null) {
            return;
        }
        for (Item i : replays) {
            if (i.payload() instanceof OffsetGap) {
                continue; // a restore the journal already covers is not a gap
            }
            JournalEntry e = entryCovering(i.offset());
            if (e != null && e.isHole(i.offset())) {
                throw new IllegalStateException("table " + table.spec().name() + ": offset " + i.offset() + " of " + tp
                        + " arrived after journal entry " + e.seq() + " committed offsets " + e.fromOffset() + ".."
                        + e.toOffset() + " without it (as a hole the log did not hold); the log changed under the"
                        + " table, or a reader skipped it: " + i.payload());
            }
        }
    }

    private JournalEntry entryCovering(long offset) {
        if (head.fromOffset() <= offset) {
            return head.toOffset() >= offset ? head : null;
        }
        try {
            // walk back from the head: replays after a restore cover the last few entries
            for (long seq = head.seq() - 1; seq >= 1; seq--) {
                JournalEntry e = entryCache.get(seq);
                if (e == null) {
                    e = journal.entry(seq).orElse(null);
                    if (e == null) {
                        return null; // pruned: nothing to check against
                    }
                    entryCache.put(seq, e);
                }
                if (e.fromOffset() <= offset) {
                    return e.toOffset() >= offset ? e : null;
                }
            }
            return null;
        } catch (IOException e) {
            LOG.warn("table {}: could not read the journal of {} to check a replay; not checked", table.spec().name(),
                    tp, e);
            return null;
        }
    }

    private CommitResult commitRange(Plan plan, CommitBatch batch) {
        Timer.Context timer = table.metrics().commitLatency.time();
        boolean done = false;
        try {
            CommitResult result = doCommit(plan, batch);
            done = true;
            return result;
        } catch (IOException e) {
            if (!liveQuietly()) {
                // a file could not be created or completed because its directory is gone: this writer was fenced
                WriterFencedException f = fenced("its directory was moved away while it wrote its commit ("
                        + e.getMessage() + ")");
                f.initCause(e);
                throw f;
            }
            throw new UncheckedIOException("commit of " + topic + "-" + partition + " offsets " + plan.from() + ".."
                    + plan.to() + " to table " + table.spec().name() + " failed; "
                    + (nextOffset() > plan.to()
                        ? "it is committed (its journal entry is durable) and the next commit or writer finishes it"
                        : "the next commit or writer recovers from the journal: if the entry was not written, nothing"
                            + " of the range is visible and it must be committed again"), e);
        } catch (WriterFencedException e) {
            fenced = e;
            throw e;
        } finally {
            timer.stop();
            if (!done) {
                needsRecovery = true;
            }
        }
    }

    private CommitResult doCommit(Plan plan, CommitBatch batch) throws IOException {
        List<SinkRecord> rows = plan.rows();
        List<DeadLetter> deadLetters = plan.deadLetters();
        List<FilteredRecord> filteredRecords = plan.filtered();
        long filtered = filteredRecords.size() + plan.unattributedFiltered();
        long entrySeq = head == null ? 1 : head.seq() + 1;
        TableSpec spec = table.spec();
        Path dir = registration.dir();
        Map<Integer, Schema> fileSchemas = new HashMap<>();
        for (SinkRecord r : rows) {
            if (!fileSchemas.containsKey(r.schemaId())) {
                try {
                    fileSchemas.put(r.schemaId(), table.history().fileSchemaFor(r.schemaId()));
                } catch (IncompatibleSchemaException e) {
                    throw table.stop("record " + r + ": " + e.getMessage());
                }
            }
        }
        long committedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        JournalEntry.AuditState previousAudit = head == null ? null : head.audit();
        AuditTally tally = spec.auditCounting() ? new AuditTally(previousAudit, spec.auditBucket()) : null;
        List<CommittedFile> files = new ArrayList<>(table.files().writeRows(dir, topic, partition, entrySeq, rows,
                fileSchemas, spec.metadataField(), new Buckets(spec.auditBucket()), tally == null ? null
                        : (r, rowDigest) -> tally.committed(r.timestamp(), RecordDigest.of(r.rawKey(), r.rawValue()),
                                rowDigest, committedAt - r.timestamp())));
        long lost = 0;
        for (OffsetGap g : plan.gaps()) {
            lost += g.size();
        }
        JournalEntry.AuditState entryAudit = null;
        if (tally != null) {
            for (DeadLetter d : deadLetters) {
                tally.deadLettered(d.timestamp(), RecordDigest.of(d.rawKey(), d.rawValue()));
            }
            for (FilteredRecord f : filteredRecords) {
                if (f.known()) {
                    tally.filtered(f.timestamp(), f.digest());
                } else {
                    tally.unattributed(1);
                }
            }
            tally.unattributed(plan.unattributedFiltered());
            tally.lostInGap(lost);
            entryAudit = tally.state();
        }
        files.addAll(table.files().writeDeadLetters(dir, spec.name(), topic, partition, entrySeq, deadLetters,
                spec.zone()));
        Map<String, Long> rowsByPartition = new LinkedHashMap<>();
        long bytes = 0;
        long previousMax = head == null ? -1 : head.maxEventTime();
        long maxEvent = previousMax;
        for (SinkRecord r : rows) {
            rowsByPartition.merge(r.partitionPath(), 1L, Long::sum);
            maxEvent = Math.max(maxEvent, r.eventTime());
        }
        for (CommittedFile f : files) {
            bytes += f.bytes();
        }
        Set<String> late = new LinkedHashSet<>();
        for (Map.Entry<String, Long> p : rowsByPartition.entrySet()) {
            if (table.closer().isClosed(p.getKey())) {
                late.add(p.getKey());
                files.add(table.files().writeLateMarker(dir, spec.name(), topic, partition, entrySeq, p.getKey(),
                        p.getValue(), committedAt));
            }
        }
        if (!plan.gaps().isEmpty()) {
            LOG.error("table {}: commit {} of {} records offsets {} as lost: the log deleted them before they were read",
                    spec.name(), entrySeq, tp, plan.gaps());
        }
        JournalEntry entry = new JournalEntry(JournalEntry.VERSION, spec.name(), topic, partition, entrySeq,
                plan.from(), plan.to(), plan.to() + 1, rows.size(), deadLetters.size(), filtered, bytes, maxEvent,
                previousMax, committedAt, files, entryAudit, registration.asEntryWriter(), plan.holeOffsets(),
                plan.holes(), plan.gaps());
        table.hook().afterFilesWritten(entry);
        long t1 = System.nanoTime();
        journal.write(entry, dir);
        long t2 = System.nanoTime();
        // committed: from here on a crash is finished by the next writer, never undone
        head = entry;
        table.sawHead(entry);
        table.hook().afterJournalWritten(entry);
        table.applyRenames(entry, Renamer.WRITER);
        long t3 = System.nanoTime();
        late.addAll(lateMarkersAfterRenames(entry, rowsByPartition));
        pruneJournal(entrySeq);
        long t4 = System.nanoTime();
        table.metrics().commits.mark();
        table.metrics().recordsCommitted.mark(rows.size());
        table.metrics().bytesCommitted.mark(bytes);
        table.metrics().deadLetters.mark(deadLetters.size());
        if (!late.isEmpty()) {
            long n = late.stream().mapToLong(p -> rowsByPartition.getOrDefault(p, 0L)).sum();
            table.metrics().lateRecords.inc(n);
            LOG.warn("table {}: commit {} of {}-{} wrote {} rows into partitions already closed: {}", spec.name(),
                    entrySeq, topic, partition, n, late);
        }
        Set<String> closed = table.committed(entry, rowsByPartition.keySet());
        table.metrics().partitionsClosed.inc(closed.size());
        if (LOG.isDebugEnabled()) {
            long t5 = System.nanoTime();
            LOG.debug("table {}: commit {} of {}: {} rows, {} files; ms writing files {}, journal entry {}, renames {},"
                    + " markers and pruning {}, closing {}", spec.name(), entrySeq, tp, rows.size(), files.size(),
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000,
                    (t5 - t4) / 1_000_000);
        }
        return new CommitResult(entry, plan.skipped(), closed, late, leftover(plan, batch));
    }

    private static Map<String, Long> committedPartitions(JournalEntry entry) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (CommittedFile f : entry.files()) {
            if (f.kind().equals(CommittedFile.DATA)) {
                rows.merge(f.partition(), f.records(), Long::sum);
            }
        }
        return rows;
    }

    /**
     * A partition closed while this entry's renames were running, on the strength of an earlier commit of this
     * source, was closed without these rows: the closer marked it so before writing {@code _SUCCESS}. Leave the late
     * marker the entry itself could not carry (put if absent, so recovery may repeat it). Returns the partitions marked
     * now.
     */
    private Set<String> lateMarkersAfterRenames(JournalEntry entry, Map<String, Long> rowsByPartition)
            throws IOException {
        Set<String> marked = new LinkedHashSet<>();
        if (entry.version() < 2 || rowsByPartition.isEmpty()) {
            return marked; // Sluice 0.1's closer marked nothing: only its own markers count
        }
        Set<String> inEntry = new LinkedHashSet<>();
        for (CommittedFile f : entry.files()) {
            if (f.kind().equals(CommittedFile.LATE_MARKER)) {
                inEntry.add(f.partition());
            }
        }
        for (String p : table.closer().closedWithout(rowsByPartition.keySet(), tp, entry.seq())) {
            if (inEntry.contains(p)) {
                continue;
            }
            Path marker = new Path(table.paths().root(), CommitFiles.lateMarkerPath(topic, partition, entry.seq(), p));
            if (table.sfs().createFile(marker, CommitFiles.lateMarker(table.spec().name(), topic, partition,
                    entry.seq(), p, rowsByPartition.get(p), entry.committedAt()))) {
                marked.add(p);
            }
        }
        return marked;
    }

    /** Old entries are only kept for people; failing to delete them must not fail a commit that is done. */
    private void pruneJournal(long newestSeq) {
        try {
            journal.prune(newestSeq);
        } catch (IOException e) {
            LOG.warn("table {}: could not prune the journal of {}-{}; retried after the next commit", table.spec().name(),
                    topic, partition, e);
        }
    }

    /**
     * Ends this writer: its directory is moved away and deleted, so the next writer of the partition has nothing to
     * fence. Nothing committed is touched. Best effort: a writer that is not retired is fenced by the next one.
     */
    public void retire() {
        if (fenced != null) {
            return;
        }
        fenced = new WriterFencedException("writer " + registration.name() + " of " + tp + " in table "
                + table.spec().name() + " was retired");
        try {
            writers.fenceSelf(registration);
            // its last commit may have been cut short before its renames (a cancelled task): then the directory
            // stays for the next writer to finish from
            JournalEntry fresh = journal.newest().orElse(null);
            writers.deleteFenced(List.of(registration.name()), fresh, fresh == null || table.isPlaced(fresh));
        } catch (IOException e) {
            LOG.debug("table {}: retiring writer {} of {} failed; the next writer fences it", table.spec().name(),
                    registration.name(), tp, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionCommitter{" + table.spec().name() + " " + tp + ", writer " + registration.name() + ", run "
                + run.shortId() + ", next " + nextOffset() + (fenced != null ? ", fenced" : "") + "}";
    }

    /** For {@link TablePaths}-aware tests: the writer's directory. */
    Path writerDir() {
        return registration.dir();
    }
}
