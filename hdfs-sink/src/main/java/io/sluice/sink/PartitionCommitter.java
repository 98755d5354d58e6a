package io.sluice.sink;

import com.codahale.metrics.Timer;
import io.sluice.audit.Buckets;
import io.sluice.audit.RecordDigest;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.internals.AuditTally;
import io.sluice.sink.internals.Journal;
import io.sluice.sink.internals.SchemaHistory.IncompatibleSchemaException;
import io.sluice.sink.internals.TableState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits one source partition's records into one table, exactly once. Each {@link #commit} covers the
 * contiguous offset range from where the journal stands up to the offset the caller has consumed, and
 * every file holding records of that range, in one atomic journal entry:
 *
 * <ol>
 *   <li>drop what the journal already covers (a replay after a crash or a runner restart);</li>
 *   <li>write and sync every file under a temporary name;</li>
 *   <li>write the journal entry (the commit point);</li>
 *   <li>rename the files into place, then close partitions the table's progress has passed.</li>
 * </ol>
 *
 * A crash before 3 leaves temporary files that {@link TableSink#recover} deletes, and the range is read again
 * from the log; a crash after 3 leaves renames that recovery finishes. Readers only ever see whole files.
 *
 * <p>Not thread-safe: one source partition has one committer at a time (Beam processes a key in one place).
 */
public final class PartitionCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCommitter.class);

    private final TableState table;
    private final String topic;
    private final int partition;
    private final Journal journal;
    private long nextOffset;
    private long seq;
    private long maxEventTime;
    /** The audit counts as of the newest entry (null before the first entry, or in entries older than the audit). */
    private JournalEntry.AuditState audit;
    /** A commit failed part-way: this committer's view of the journal may be wrong until it recovers again. */
    private boolean needsRecovery;

    PartitionCommitter(TableState table, String topic, int partition) {
        this.table = table;
        this.topic = topic;
        this.partition = partition;
        this.journal = new Journal(table.sfs(), table.paths().journal(topic, partition));
        recover();
    }

    /**
     * Loads where this source partition stands from its journal, after finishing the newest entry's renames and
     * deleting temporary files. Run when the committer is made and again after a commit failed part-way: the
     * journal invariant (entry n's renames are done before entry n+1 is written) only holds if a commit that
     * failed after its entry became durable is finished before the next one starts; otherwise recovery, which
     * only finishes the newest entry, would delete the older entry's committed files.
     */
    private void recover() {
        try {
            JournalEntry newest = table.recoverSource(topic, partition);
            nextOffset = newest == null ? -1 : newest.nextOffset();
            seq = newest == null ? 0 : newest.seq();
            maxEventTime = newest == null ? -1 : newest.maxEventTime();
            audit = newest == null ? null : newest.audit();
            needsRecovery = false;
        } catch (IOException e) {
            throw new UncheckedIOException("recovering the journal of " + topic + "-" + partition + " in table "
                    + table.spec().name() + " failed", e);
        }
    }

    public String topic() { return topic; }
    public int partition() { return partition; }

    /** Every offset below this is committed; -1 when this source partition has never been committed. */
    public long nextOffset() { return nextOffset; }

    /** Whether the record at {@code offset} is already in the table. */
    public boolean isCommitted(long offset) {
        return offset < nextOffset;
    }

    /**
     * Commits the records consumed up to and including {@code throughOffset}, with {@code filtered} records a
     * transform filtered out that the caller can only count: the audit accounts for them in no bucket
     * ({@link JournalEntry.AuditState#unattributed()}), so prefer {@link #commit(List, List, long, List)}.
     */
    public CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset, long filtered) {
        if (filtered < 0) {
            throw new IllegalArgumentException("filtered must be zero or more, not " + filtered);
        }
        return commit(rows, deadLetters, throughOffset, List.of(), filtered);
    }

    /**
     * Commits the records consumed up to and including {@code throughOffset}.
     *
     * @param rows          rows to write, in any order; those at or below the journal are dropped
     * @param deadLetters   records of the same range that go to the dead-letter table instead
     * @param throughOffset the highest offset consumed from this source partition: the range the entry covers ends
     *                      here even when the last records were filtered out or are absent from the log
     * @param filtered      records of the range a transform filtered out (recorded and audited, not written); those
     *                      at or below the journal are dropped like rows
     * @throws TableStoppedException if the table is stopped, or stops now (an incompatible writer schema)
     * @throws IllegalArgumentException if a row, dead letter or filtered record lies past {@code throughOffset} (it
     *                                  would be lost)
     */
    public CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset,
                               List<FilteredRecord> filtered) {
        return commit(rows, deadLetters, throughOffset, filtered, 0);
    }

    private CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset,
                                List<FilteredRecord> filteredRecords, long filteredCount) {
        table.requireRunning();
        if (needsRecovery) {
            recover();
        }
        // a record past throughOffset would be dropped here and then never seen again (the next range starts
        // after throughOffset): refuse the call rather than lose it
        for (SinkRecord r : rows) {
            requireWithin(r.offset(), throughOffset, r);
        }
        for (DeadLetter d : deadLetters) {
            requireWithin(d.offset(), throughOffset, d);
        }
        for (FilteredRecord f : filteredRecords) {
            requireWithin(f.offset(), throughOffset, "filtered record @" + f.offset());
        }
        List<SinkRecord> fresh = new ArrayList<>(rows.size());
        for (SinkRecord r : rows) {
            if (r.offset() >= nextOffset) {
                fresh.add(r);
            }
        }
        List<DeadLetter> freshDead = new ArrayList<>(deadLetters.size());
        for (DeadLetter d : deadLetters) {
            if (d.offset() >= nextOffset) {
                freshDead.add(d);
            }
        }
        List<FilteredRecord> freshFiltered = new ArrayList<>(filteredRecords.size());
        for (FilteredRecord f : filteredRecords) {
            if (f.offset() >= nextOffset) {
                freshFiltered.add(f);
            }
        }
        fresh.sort(Comparator.comparingLong(SinkRecord::offset));
        dedupe(fresh, SinkRecord::offset);
        freshDead.sort(Comparator.comparingLong(DeadLetter::offset));
        dedupe(freshDead, DeadLetter::offset);
        freshFiltered.sort(Comparator.comparingLong(FilteredRecord::offset));
        dedupe(freshFiltered, FilteredRecord::offset);
        long filtered = freshFiltered.size() + filteredCount;
        // replays below the journal and second copies of one offset (a runner replaying a bundle) alike
        long skipped = rows.size() + deadLetters.size() + filteredRecords.size()
                - fresh.size() - freshDead.size() - freshFiltered.size();
        if (skipped > 0) {
            table.metrics().replayedSkipped.inc(skipped);
        }
        boolean nothingKnown = fresh.isEmpty() && freshDead.isEmpty() && filtered == 0;
        if (throughOffset < nextOffset || (nextOffset < 0 && nothingKnown)) {
            return new CommitResult(null, skipped, Set.of(), Set.of());
        }
        long from = nextOffset >= 0 ? nextOffset : firstOffsetOfFirstRange(fresh, freshDead, freshFiltered,
                throughOffset, filtered);
        Timer.Context timer = table.metrics().commitLatency.time();
        boolean done = false;
        try {
            CommitResult result = doCommit(fresh, freshDead, freshFiltered, filteredCount, from, throughOffset,
                    skipped);
            done = true;
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("commit of " + topic + "-" + partition + " offsets " + from + ".."
                    + throughOffset + " to table " + table.spec().name() + " failed; "
                    + (nextOffset > throughOffset
                        ? "it is committed (its journal entry is durable) and the next commit or start finishes it"
                        : "the next commit or start recovers from the journal: if the entry was not written, nothing"
                            + " of the range is visible and it must be committed again"), e);
        } finally {
            timer.stop();
            if (!done) {
                needsRecovery = true;
            }
        }
    }

    /**
     * The first offset of the first range ever committed. The committer does not know where the caller started
     * reading, so it takes the lowest offset the range is known to cover: the first row or dead letter, or
     * earlier when the count of everything in the range (filtered records included) says so.
     */
    private static long firstOffsetOfFirstRange(List<SinkRecord> rows, List<DeadLetter> dead,
                                                List<FilteredRecord> filteredRecords, long through, long filtered) {
        long from = through + 1 - (rows.size() + dead.size() + filtered);
        if (!rows.isEmpty()) {
            from = Math.min(from, rows.get(0).offset());
        }
        if (!dead.isEmpty()) {
            from = Math.min(from, dead.get(0).offset());
        }
        if (!filteredRecords.isEmpty()) {
            from = Math.min(from, filteredRecords.get(0).offset());
        }
        return Math.max(0, from);
    }

    private void requireWithin(long offset, long throughOffset, Object what) {
        if (offset > throughOffset) {
            throw new IllegalArgumentException("commit of " + topic + "-" + partition + " through offset " + throughOffset
                    + " was handed " + what + ", which is past it; throughOffset must be the highest offset consumed");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("commit of " + topic + "-" + partition + " was handed " + what
                    + " with a negative offset");
        }
    }

    private CommitResult doCommit(List<SinkRecord> rows, List<DeadLetter> deadLetters, List<FilteredRecord> filteredRecords,
                                  long unattributedFiltered, long from, long through, long skipped) throws IOException {
        long filtered = filteredRecords.size() + unattributedFiltered;
        long entrySeq = seq + 1;
        TableSpec spec = table.spec();
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
        AuditTally tally = spec.auditCounting() ? new AuditTally(audit, spec.auditBucket()) : null;
        List<CommittedFile> files = new ArrayList<>(table.files().writeRows(topic, partition, entrySeq, rows, fileSchemas,
                spec.metadataField(), new Buckets(spec.auditBucket()), tally == null ? null
                        : (r, rowDigest) -> tally.committed(r.timestamp(), RecordDigest.of(r.rawKey(), r.rawValue()),
                                rowDigest, committedAt - r.timestamp())));
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
            tally.unattributed(unattributedFiltered);
            entryAudit = tally.state();
        }
        files.addAll(table.files().writeDeadLetters(spec.name(), topic, partition, entrySeq, deadLetters, spec.zone()));
        Map<String, Long> rowsByPartition = new LinkedHashMap<>();
        long bytes = 0;
        long maxEvent = maxEventTime;
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
                files.add(table.files().writeLateMarker(spec.name(), topic, partition, entrySeq, p.getKey(), p.getValue(),
                        committedAt));
            }
        }
        JournalEntry entry = new JournalEntry(JournalEntry.VERSION, spec.name(), topic, partition, entrySeq, from, through,
                through + 1, rows.size(), deadLetters.size(), filtered, bytes, maxEvent, committedAt, files, entryAudit);
        table.hook().afterFilesWritten(entry);
        journal.write(entry);
        // committed: from here on a crash is finished by recovery, never undone
        seq = entrySeq;
        nextOffset = through + 1;
        maxEventTime = maxEvent;
        audit = entryAudit;
        table.hook().afterJournalWritten(entry);
        table.applyRenames(entry);
        pruneJournal(entrySeq);
        table.metrics().commits.mark();
        table.metrics().recordsCommitted.mark(rows.size());
        table.metrics().bytesCommitted.mark(bytes);
        table.metrics().deadLetters.mark(deadLetters.size());
        if (!late.isEmpty()) {
            table.metrics().lateRecords.inc(late.stream().mapToLong(rowsByPartition::get).sum());
            LOG.warn("table {}: commit {} of {}-{} wrote {} rows into partitions already closed: {}", spec.name(), entrySeq,
                    topic, partition, late.stream().mapToLong(rowsByPartition::get).sum(), late);
        }
        Set<String> closed = table.committed(entry, rowsByPartition.keySet());
        table.metrics().partitionsClosed.inc(closed.size());
        return new CommitResult(entry, skipped, closed, late);
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

    /** Keeps the first of records with the same offset (one can arrive twice when a runner replays a bundle). */
    private static <T> void dedupe(List<T> sorted, ToLongFunction<T> offset) {
        long last = Long.MIN_VALUE;
        int w = 0;
        for (T r : sorted) {
            long o = offset.applyAsLong(r);
            if (o != last) {
                sorted.set(w++, r);
                last = o;
            }
        }
        sorted.subList(w, sorted.size()).clear();
    }
}
