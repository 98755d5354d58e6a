package io.sluice.sink.internals;

import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.JournalEntry.CommittedFile;
import io.sluice.sink.SchemaSource;
import io.sluice.sink.TableSpec;
import io.sluice.sink.TableStoppedException;
import com.codahale.metrics.MetricRegistry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every committer of one table shares: its file system and layout, schema history, partition closer,
 * metrics, and the newest journal entry of each source partition it knows of. Thread-safe; the I/O of one
 * commit happens in the committer's thread.
 */
public final class TableState {
    private static final Logger LOG = LoggerFactory.getLogger(TableState.class);

    private final TableSpec spec;
    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final SchemaHistory history;
    private final PartitionCloser closer;
    private final CommitFiles files;
    private final SinkMetrics metrics;
    private final CommitHook hook;
    private final Map<TopicPartition, JournalEntry> heads = new ConcurrentHashMap<>();
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
            } catch (IOException e) {
                LOG.error("table {}: could not record why it stopped at {}", spec.name(), paths.stopped(), e);
            }
        }
        return new TableStoppedException(spec.name(), stoppedReason);
    }

    /**
     * Brings one source partition's files in line with its journal: finishes the renames of the newest entry
     * (the only one that can be unfinished) and deletes every temporary file, which no entry records.
     */
    public JournalEntry recoverSource(String topic, int partition) throws IOException {
        Journal journal = new Journal(sfs, paths.journal(topic, partition));
        JournalEntry newest = journal.newest().orElse(null);
        if (newest != null) {
            applyRenames(newest);
            heads.merge(new TopicPartition(topic, partition), newest, (a, b) -> a.seq() >= b.seq() ? a : b);
        }
        journal.deleteTemporaries();
        Path tmp = paths.tmp(topic, partition);
        FileStatus[] leftovers;
        try {
            leftovers = sfs.fs().listStatus(tmp);
        } catch (FileNotFoundException e) {
            leftovers = new FileStatus[0];
        }
        for (FileStatus f : leftovers) {
            LOG.info("table {}: deleting {}, written by a commit of {}-{} that never reached its journal", spec.name(),
                    f.getPath(), topic, partition);
            sfs.fs().delete(f.getPath(), true);
        }
        return newest;
    }

    /** Renames every file of a committed entry into place; a file already in place is skipped, so it can repeat. */
    public void applyRenames(JournalEntry entry) throws IOException {
        for (CommittedFile f : entry.files()) {
            Path target = paths.resolve(f.kind(), f.path());
            Path tmp = new Path(paths.root(), f.tmp());
            if (sfs.fs().exists(target)) {
                continue;
            }
            if (!sfs.fs().exists(tmp)) {
                throw stop("journal entry " + entry.seq() + " of " + entry.topic() + "-" + entry.partition()
                        + " records file " + target + ", but neither it nor its temporary " + tmp
                        + " exists: committed data was removed from outside Sluice");
            }
            sfs.rename(tmp, target);
        }
    }

    /** After a commit: remember the new head, note the partitions written, close the ones now due. */
    public Set<String> committed(JournalEntry entry, Collection<String> partitionsWritten) throws IOException {
        heads.merge(new TopicPartition(entry.topic(), entry.partition()), entry, (a, b) -> a.seq() >= b.seq() ? a : b);
        closer.written(partitionsWritten);
        if (System.currentTimeMillis() - headsReadAt >= spec.commitInterval().toMillis()) {
            refreshHeads(); // other workers commit other source partitions of this table
        }
        return closer.closeDue(PartitionCloser.progress(heads, expected));
    }

    /** The newest journal entry of one source partition, read from its journal; null if it has none. */
    public JournalEntry newest(TopicPartition tp) throws IOException {
        JournalEntry e = new Journal(sfs, paths.journal(tp.topic(), tp.partition())).newest().orElse(null);
        if (e != null) {
            heads.merge(tp, e, (a, b) -> a.seq() >= b.seq() ? a : b);
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
        Journal.heads(sfs, paths.journals()).forEach((tp, e) ->
                heads.merge(tp, e, (a, b) -> a.seq() >= b.seq() ? a : b));
        try {
            for (FileStatus f : sfs.fs().listStatus(paths.sources())) {
                String name = f.getPath().getName();
                int plus = name.lastIndexOf('+');
                if (plus > 0) {
                    try {
                        expected.add(new TopicPartition(name.substring(0, plus), Integer.parseInt(name.substring(plus + 1))));
                    } catch (NumberFormatException ignored) {
                        // not a marker of ours
                    }
                }
            }
        } catch (FileNotFoundException e) {
            // no source declared: closing follows the sources that have committed
        }
        headsReadAt = System.currentTimeMillis();
    }

    /** Source partitions with a temporary directory: a commit may have been cut short before any journal entry. */
    public java.util.List<TopicPartition> sourcesWithTemporaries() throws IOException {
        java.util.List<TopicPartition> sources = new java.util.ArrayList<>();
        FileStatus[] dirs;
        try {
            dirs = sfs.fs().listStatus(paths.tmp("x", 0).getParent());
        } catch (FileNotFoundException e) {
            return sources;
        }
        for (FileStatus d : dirs) {
            String name = d.getPath().getName();
            int plus = name.lastIndexOf('+');
            if (d.isDirectory() && plus > 0) {
                try {
                    sources.add(new TopicPartition(name.substring(0, plus), Integer.parseInt(name.substring(plus + 1))));
                } catch (NumberFormatException e) {
                    LOG.warn("table {}: ignoring unexpected directory {}", spec.name(), d.getPath());
                }
            }
        }
        return sources;
    }

    private String readStopped() throws IOException {
        try (InputStream in = sfs.fs().open(paths.stopped())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (FileNotFoundException e) {
            return null;
        }
    }
}
