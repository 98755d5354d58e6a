package io.sluice.sink.internals;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.SchemaSource;
import io.sluice.sink.TableSpec;
import io.sluice.sink.TableStoppedException;
import io.sluice.sink.WriterFencedException;
import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every committer of one table in this JVM shares: its file system and layout, schema history, partition
 * closer, claims, metrics, and the newest journal entry of each source partition it has seen. It is a cache of what
 * is on the file system and nothing it holds decides who may commit: that is decided at the commit point, on the file
 * system. Thread-safe; the I/O of one commit happens in the committer's thread.
 */
public final class TableState {
    private static final Logger LOG = LoggerFactory.getLogger(TableState.class);

    /** Who finishes an entry's renames. */
    public enum Renamer {
        /** The writer that committed the entry: only from its own directory; gone means it was fenced. */
        WRITER,
        /** Recovery by a newer writer: from the writer's directory or, once fenced, its copy under fenced/. */
        RECOVERY
    }

    private final TableSpec spec;
    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final SchemaHistory history;
    private final PartitionCloser closer;
    private final CommitFiles files;
    private final SinkMetrics metrics;
    private final CommitHook hook;
    private final TableClaims claims;
    private final Map<TopicPartition, JournalEntry> heads = new ConcurrentHashMap<>();
    /** The newest entry of each source partition known to have every file in place. */
    private final Map<TopicPartition, JournalEntry> placed = new ConcurrentHashMap<>();
    /** Source partitions the launcher said this table reads (see {@link #expectSources}). */
    private final Set<TopicPartition> expected = ConcurrentHashMap.newKeySet();
    private volatile long headsReadAt;
    private volatile String stoppedReason;

    public TableState(TableSpec spec, Configuration conf, SchemaSource schemas, MetricRegistry registry, CommitHook hook)
            throws IOException {
        this.spec = spec;
        this.sfs = SinkFileSystem.forRoot(spec.root(), conf);
        SinkFileSystem deadLetterFs = SinkFileSystem.forRoot(spec.deadLetterRoot(), conf);
        if (!deadLetterFs.fs().getUri().equals(sfs.fs().getUri())) {
            throw new IllegalArgumentException("table " + spec.name() + ": dead-letter root " + spec.deadLetterRoot()
                    + " must be on the same file system as the table root " + spec.root()
                    + " (a commit renames files into both)");
        }
        this.paths = new TablePaths(sfs.qualify(spec.root()), sfs.qualify(spec.deadLetterRoot()), spec.name());
        String rootPath = paths.root().toUri().getPath() + "/";
        if ((paths.deadLetterRoot().toUri().getPath() + "/").startsWith(rootPath)) {
            // readers of the table would take the dead letters for rows
            throw new IllegalArgumentException("table " + spec.name() + ": dead-letter root " + spec.deadLetterRoot()
                    + " must not be inside the table root " + spec.root());
        }
        this.metrics = new SinkMetrics(registry, spec.name());
        this.hook = hook;
        this.history = new SchemaHistory(sfs, paths.schemas(), schemas, spec.metadataField());
        this.closer = new PartitionCloser(sfs, paths, spec.partitioning(), spec.zone(), spec.allowedLateness().toMillis());
        this.files = new CommitFiles(sfs, paths, spec.codec(), spec.maxFileRecords(), spec.maxFileBytes(), metrics);
        this.claims = new TableClaims(sfs, paths.claims(), spec.name());
        this.stoppedReason = readStopped();
        refreshHeads();
    }

    public TableSpec spec() { return spec; }
    public SinkFileSystem sfs() { return sfs; }
    public TablePaths paths() { return paths; }
    public SchemaHistory history() { return history; }
    public PartitionCloser closer() { return closer; }
    public CommitFiles files() { return files; }
    public SinkMetrics metrics() { return metrics; }
    public CommitHook hook() { return hook; }
    public TableClaims claims() { return claims; }

    public Optional<String> stoppedReason() {
        return Optional.ofNullable(stoppedReason);
    }

    public void requireRunning() {
        String reason = stoppedReason;
        if (reason != null) {
            throw new TableStoppedException(spec.name(), reason);
        }
    }

    /** Stops the table for good (until a person deletes {@code _sluice/STOPPED}) and returns the exception to throw. */
    public TableStoppedException stop(String reason) {
        if (stoppedReason == null) {
            stoppedReason = reason;
            LOG.error("table {} stopped: {} (other tables go on; remove {} after fixing the cause to resume)",
                    spec.name(), reason, paths.stopped());
            try {
                sfs.writeAtomically(new Path(paths.state(), "_tmp.stopped." + UUID.randomUUID()), paths.stopped(),
                        (reason + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                // another writer stopped it first; its reason stands
            } catch (IOException e) {
                LOG.error("table {}: could not record why it stopped at {}", spec.name(), paths.stopped(), e);
            }
        }
        return new TableStoppedException(spec.name(), stoppedReason);
    }

    /**
     * Renames every file of a committed entry into place; a file already in place is skipped, so it can repeat. Returns
     * once every file is in place.
     *
     * @throws WriterFencedException when the {@link Renamer#WRITER} finds its own directory gone: it was fenced after its
     *                               entry was committed, and the writer that fenced it finishes the renames
     */
    public void applyRenames(JournalEntry entry, Renamer renamer) throws IOException {
        for (CommittedFile f : entry.files()) {
            Path target = paths.resolve(f.kind(), f.path());
            if (sfs.fs().exists(target)) {
                continue;
            }
            Path source = new Path(paths.root(), f.tmp());
            Outcome o = sfs.renameNoReplace(source, target);
            if (o == Outcome.SOURCE_MISSING && renamer == Renamer.RECOVERY && paths.fencedCopyOf(f.tmp()) != null) {
                o = sfs.renameNoReplace(paths.fencedCopyOf(f.tmp()), target);
            }
            if (o == Outcome.SOURCE_MISSING && !sfs.fs().exists(target)) {
                if (renamer == Renamer.WRITER) {
                    throw new WriterFencedException("commit " + entry.seq() + " of " + entry.topic() + "-"
                            + entry.partition() + " into table " + spec.name() + " is committed, but its writer was "
                            + "fenced before it renamed " + f.path() + " into place; the writer that fenced it finishes it");
                }
                throw stop("journal entry " + entry.seq() + " of " + entry.topic() + "-" + entry.partition()
                        + " records file " + target + ", but neither it nor its temporary " + source
                        + " exists: committed data was removed from outside Sluice");
            }
        }
        markPlaced(entry);
    }

    /** Whether every file {@code entry} names is in place, looked up on the file system once per entry. */
    public boolean isPlaced(JournalEntry entry) throws IOException {
        TopicPartition tp = new TopicPartition(entry.topic(), entry.partition());
        JournalEntry known = placed.get(tp);
        if (known != null && known.seq() >= entry.seq()) {
            return true;
        }
        for (CommittedFile f : entry.files()) {
            if (!sfs.fs().exists(paths.resolve(f.kind(), f.path()))) {
                return false;
            }
        }
        markPlaced(entry);
        return true;
    }

    private void markPlaced(JournalEntry entry) {
        placed.merge(new TopicPartition(entry.topic(), entry.partition()), entry, (a, b) -> a.seq() >= b.seq() ? a : b);
    }

    /** Remembers {@code entry} as its source partition's newest (unless a newer one is known). */
    public void sawHead(JournalEntry entry) {
        heads.merge(new TopicPartition(entry.topic(), entry.partition()), entry, (a, b) -> a.seq() >= b.seq() ? a : b);
    }

    /** After a commit whose files are in place: remember the new head, note the partitions written, close those due. */
    public Set<String> committed(JournalEntry entry, Collection<String> partitionsWritten) throws IOException {
        sawHead(entry);
        markPlaced(entry);
        closer.written(partitionsWritten);
        if (System.currentTimeMillis() - headsReadAt >= spec.commitInterval().toMillis()) {
            refreshHeads(); // other workers commit other source partitions of this table
        }
        Map<TopicPartition, Long> eventTimes = new HashMap<>();
        Map<TopicPartition, Long> pending = new HashMap<>();
        for (Map.Entry<TopicPartition, JournalEntry> h : heads.entrySet()) {
            JournalEntry head = h.getValue();
            if (isPlaced(head)) {
                eventTimes.put(h.getKey(), head.maxEventTime());
            } else {
                // its renames may be running: count only what the entry before it had in place
                eventTimes.put(h.getKey(), head.placedMaxEventTime());
                pending.put(h.getKey(), head.seq());
            }
        }
        return closer.closeDue(PartitionCloser.progress(eventTimes, expected), pending);
    }

    /** The newest journal entry of one source partition, read from its journal; null if it has none. */
    public JournalEntry newest(TopicPartition tp) throws IOException {
        JournalEntry e = new Journal(sfs, paths.journal(tp.topic(), tp.partition())).newest().orElse(null);
        if (e != null) {
            sawHead(e);
        }
        return e;
    }

    public Map<TopicPartition, JournalEntry> heads() throws IOException {
        refreshHeads();
        return Map.copyOf(heads);
    }

    /** Records {@code sources} under {@code _sluice/sources/}, one empty marker file each (additive, idempotent). */
    public void expectSources(Collection<TopicPartition> sources) throws IOException {
        for (TopicPartition tp : sources) {
            if (expected.add(tp)) {
                sfs.createMarker(new Path(paths.sources(), TablePaths.sourceName(tp.topic(), tp.partition())));
            }
        }
    }

    private void refreshHeads() throws IOException {
        Journal.heads(sfs, paths.journals()).forEach((tp, e) -> sawHead(e));
        for (FileStatus f : sfs.list(paths.sources())) {
            TopicPartition tp = TablePaths.parseSourceName(f.getPath().getName());
            if (tp != null) {
                expected.add(tp);
            }
        }
        headsReadAt = System.currentTimeMillis();
    }

    /**
     * Source partitions with anything to recover: a journal, live or fenced writers, or a temporary directory of
     * Sluice 0.1.
     */
    public List<TopicPartition> sourcesWithState() throws IOException {
        Set<TopicPartition> sources = new TreeSet<>(java.util.Comparator.comparing(TopicPartition::toString));
        for (Path dir : List.of(paths.journals(), paths.writersRoot(), new Path(paths.state(), TablePaths.FENCED),
                paths.tmp("x", 0).getParent())) {
            for (FileStatus d : sfs.list(dir)) {
                TopicPartition tp = d.isDirectory() ? TablePaths.parseSourceName(d.getPath().getName()) : null;
                if (tp != null) {
                    sources.add(tp);
                }
            }
        }
        return List.copyOf(sources);
    }

    /**
     * Why a Sluice that takes no part in claims and fencing (0.1, journal entries of version 1) may be writing this
     * table now: its newest commit is more recent than {@code lease}. Null when no such writer can be live.
     */
    public String olderVersionWriting(Duration lease) {
        try {
            long now = System.currentTimeMillis();
            for (JournalEntry e : heads().values()) {
                if (e.version() == 1 && now - e.committedAt() < lease.toMillis()) {
                    return "a Sluice of an earlier version committed " + e.topic() + "-" + e.partition() + " at "
                            + Instant.ofEpochMilli(e.committedAt()) + ", less than " + lease.toSeconds() + " s ago, and"
                            + " it takes no part in fencing; stop that pipeline first (see the README's Upgrading), or"
                            + " start with --take-over once it is stopped";
                }
            }
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading the journals of table " + spec.name() + " failed", e);
        }
    }

    private String readStopped() throws IOException {
        try (InputStream in = sfs.fs().open(paths.stopped())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (FileNotFoundException e) {
            return null;
        }
    }
}
