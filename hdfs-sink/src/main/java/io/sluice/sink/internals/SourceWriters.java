package io.sluice.sink.internals;

import io.sluice.sink.JournalEntry;
import io.sluice.sink.PipelineRun;
import io.sluice.sink.WriterFencedException;
import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writers of one source partition of one table, and the fencing between them. Each writer has a directory of its
 * own, {@code _sluice/writers/<topic>+<partition>/<epoch>.<id>/}, named by an epoch (one more than any seen) and a
 * random id; it writes every file of a commit there, the journal entry's draft included, and its commit point is the
 * put-if-absent rename of that draft into the journal. Registering a writer moves the directory of every older
 * writer to {@code _sluice/fenced/...}, whole, in one atomic rename:
 *
 * <ul>
 *   <li>a fenced writer's next entry has no draft to rename (its directory is gone) and cannot write one (files are
 *       created only in a directory that exists, never recreating it), so it never lands, however long the writer
 *       was paused and whatever journal names were pruned meanwhile;</li>
 *   <li>a fenced writer's renames lose their sources, so it moves none of its files into the table; the entry it
 *       committed before it was fenced is finished by the newer writer, from the fenced directory;</li>
 *   <li>an entry the fenced writer committed before the move is in the journal when the newer writer reads it, since
 *       the newer writer reads the journal only after the move.</li>
 * </ul>
 *
 * Two writers registering at once are ordered by (epoch, id): the lower one finds the higher one and fences itself.
 * No clock and no lease is involved, so this holds on HDFS and on the local file system alike. Thread-safe (all
 * state is on the file system).
 */
public final class SourceWriters {
    private static final Logger LOG = LoggerFactory.getLogger(SourceWriters.class);
    /**
     * The empty file in a writer's directory that says whose it is: {@code writer.<run id>}. Empty, because on HDFS
     * closing a file with content waits for its block to be reported, and a writer registers inside a commit.
     */
    static final String WRITER_FILE = "writer.";

    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final String table;
    private final String topic;
    private final int partition;

    /**
     * One registered writer.
     *
     * @param name its directory's name, {@code <epoch>.<id>}: comparing names compares (epoch, id)
     */
    public record Registration(String name, long epoch, String id, Path dir, PipelineRun run) {
        public JournalEntry.Writer asEntryWriter() {
            return new JournalEntry.Writer(run.id(), run.pipeline(), id, epoch);
        }
    }

    public SourceWriters(SinkFileSystem sfs, TablePaths paths, String table, String topic, int partition) {
        this.sfs = sfs;
        this.paths = paths;
        this.table = table;
        this.topic = topic;
        this.partition = partition;
    }

    static String dirName(long epoch, String id) {
        return String.format(Locale.ROOT, "%010d.%s", epoch, id);
    }

    static long epochOf(String name) {
        int dot = name.indexOf('.');
        try {
            return dot > 0 ? Long.parseLong(name.substring(0, dot)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String source() {
        return table + " " + topic + "-" + partition;
    }

    /**
     * Registers a new writer of {@code run} and fences every older one. {@code lastEpoch} is the epoch of the writer
     * of the journal's newest entry (0 if none): the new epoch is above it and above every directory seen.
     *
     * @throws WriterFencedException if a newer writer registered at the same time (it wins)
     */
    public Registration register(PipelineRun run, long lastEpoch) throws IOException {
        Path live = paths.writers(topic, partition);
        long epoch = lastEpoch;
        for (String n : names(live)) {
            epoch = Math.max(epoch, epochOf(n));
        }
        for (String n : names(paths.fenced(topic, partition))) {
            epoch = Math.max(epoch, epochOf(n));
        }
        epoch++;
        String id = UUID.randomUUID().toString().replace("-", "");
        String name = dirName(epoch, id);
        Path dir = new Path(live, name);
        Registration me = new Registration(name, epoch, id, dir, run);
        try {
            sfs.mkdirs(dir);
            writeWriterFile(me);
        } catch (IOException e) {
            if (!isLive(me)) {
                // a newer writer registered and moved this directory away at once; HDFS refuses to complete a file
                // in a directory moved away, and the local file system to set its permissions
                throw new WriterFencedException("writer " + name + " of " + source()
                        + " was fenced while it registered", e);
            }
            throw e;
        }
        for (String other : names(live)) {
            if (other.equals(name)) {
                continue;
            }
            if (other.compareTo(name) > 0) {
                fence(name, "a newer writer " + other + " registered at the same time");
                throw new WriterFencedException("writer " + name + " of " + source() + " lost to writer " + other
                        + ", which registered at the same time");
            }
            fence(other, "writer " + name + " of run " + run.shortId() + " (pipeline " + run.pipeline()
                    + ") registered");
        }
        return me;
    }

    private void writeWriterFile(Registration me) throws IOException {
        FSDataOutputStream out = sfs.createInExisting(new Path(me.dir(), WRITER_FILE + me.run().id()));
        sfs.syncAndClose(out);
    }

    /** Moves writer {@code name}'s directory to {@code fenced/}; nothing if it is gone already. */
    private void fence(String name, String why) throws IOException {
        Outcome o = sfs.moveDirectory(new Path(paths.writers(topic, partition), name),
                new Path(paths.fenced(topic, partition), name));
        if (o == Outcome.DONE) {
            LOG.info("table {}: fenced writer {} of {}-{}: {}", table, name, topic, partition, why);
        }
    }

    /** Whether {@code me}'s directory is still in place (it has not been fenced). */
    public boolean isLive(Registration me) throws IOException {
        return sfs.fs().exists(me.dir());
    }

    /**
     * A writer that stops writing moves its own directory away, as a newer writer would; whether it may then be deleted
     * is {@link #deleteFenced}'s decision (its last commit may still have files to rename from there).
     */
    public void fenceSelf(Registration me) throws IOException {
        sfs.moveDirectory(me.dir(), new Path(paths.fenced(topic, partition), me.name()));
    }

    /** The directory names of fenced writers. */
    public List<String> fencedNames() throws IOException {
        return names(paths.fenced(topic, partition));
    }

    /**
     * Deletes the directories {@code fenced} of fenced writers, except one whose last commit is the journal's newest
     * entry {@code head} while that entry's files are not all in place ({@code headPlaced}): those files are still to be
     * renamed from there. The caller lists {@code fenced} before it reads {@code head}: a fenced writer commits nothing
     * more, so every entry of those writers is at or before {@code head}, and only {@code head} can be unfinished.
     */
    public void deleteFenced(List<String> fenced, JournalEntry head, boolean headPlaced) throws IOException {
        for (String name : fenced) {
            boolean pending = head != null && head.writer() != null && !headPlaced
                    && name.equals(dirName(head.writer().epoch(), head.writer().id()));
            if (!pending) {
                sfs.deleteRecursively(new Path(paths.fenced(topic, partition), name));
            }
        }
    }

    /** Deletes what a failed commit of {@code me} left in its directory (everything but the writer file). */
    public void clearOwn(Registration me) throws IOException {
        for (FileStatus s : sfs.list(me.dir())) {
            if (!s.getPath().getName().startsWith(WRITER_FILE)) {
                sfs.deleteRecursively(s.getPath());
            }
        }
    }

    /** The directory names of live writers, sorted. */
    public List<String> liveNames() throws IOException {
        return names(paths.writers(topic, partition));
    }

    private List<String> names(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (FileStatus s : sfs.list(dir)) {
            if (s.isDirectory() && epochOf(s.getPath().getName()) >= 0) {
                out.add(s.getPath().getName());
            }
        }
        out.sort(null);
        return out;
    }
}
