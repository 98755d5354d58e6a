package io.sluice.sink.internals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.WriterFencedException;
import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;

/**
 * The commit journal of one source partition in one table: a directory of numbered JSON entries. An entry is written
 * as a draft in its writer's own directory and renamed to its number without replacing (put if absent), so an entry
 * is complete or absent, never torn; of two writers wanting one number exactly one gets it; and a writer whose
 * directory was moved away (fenced) gets none. The newest entry is the partition's committed state; older ones are
 * kept a while for people and then pruned. Pruning cannot free a number for a stale writer: a stale writer is fenced
 * before anyone newer commits, and a fenced writer lands nothing.
 *
 * <p>Invariant: the renames of entry n are finished before entry n+1 is written (by whoever writes n+1), so recovery
 * only ever has to finish the newest entry.
 *
 * <p>Entries of version 1 (Sluice 0.1, written with {@code exists}-then-{@code rename} from {@code _tmp.*} files in
 * this directory) are read as they are.
 */
public final class Journal {
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String SUFFIX = ".json";
    private static final String TMP_PREFIX = "_tmp.";
    /** Entries kept behind the newest; enough to see the last minutes of commits when debugging. */
    static final int KEEP = 20;

    private final SinkFileSystem sfs;
    private final Path dir;

    public Journal(SinkFileSystem sfs, Path dir) {
        this.sfs = sfs;
        this.dir = dir;
    }

    public static String entryName(long seq) {
        return String.format(Locale.ROOT, "%020d%s", seq, SUFFIX);
    }

    public Path dir() {
        return dir;
    }

    /** The newest entry, if any. */
    public Optional<JournalEntry> newest() throws IOException {
        while (true) {
            List<Long> seqs = seqs();
            if (seqs.isEmpty()) {
                return Optional.empty();
            }
            JournalEntry e = readOrNull(seqs.get(seqs.size() - 1));
            if (e != null) {
                return Optional.of(e);
            }
            // gone between the listing and the read (pruned under a newer one): list again
        }
    }

    /** Entry {@code seq}, if it is still kept. */
    public Optional<JournalEntry> entry(long seq) throws IOException {
        return Optional.ofNullable(readOrNull(seq));
    }

    /** The numbers of the entries kept, ascending. */
    public List<Long> seqs() throws IOException {
        List<Long> out = new ArrayList<>();
        for (FileStatus s : sfs.list(dir)) {
            long seq = seqOf(s.getPath().getName());
            if (seq >= 0) {
                out.add(seq);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Writes {@code entry} as the commit point: its draft in the writer's directory {@code writerDir}, then renamed to
     * its number without replacing.
     *
     * @throws WriterFencedException if the writer's directory is gone (it was fenced) or the number is taken by
     *                               another writer; nothing was committed
     */
    public void write(JournalEntry entry, Path writerDir) throws IOException {
        Path draft = new Path(writerDir, "entry-" + entry.seq() + "-" + UUID.randomUUID() + SUFFIX);
        FSDataOutputStream out;
        try {
            out = sfs.createInExisting(draft);
        } catch (FileNotFoundException e) {
            throw fenced(entry, "its directory " + writerDir + " was moved away (a newer writer fenced it)", e);
        }
        try {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entry));
        } catch (IOException e) {
            Closing.afterFailure(e, out);
            throw e;
        }
        sfs.syncAndClose(out);
        Path dst = new Path(dir, entryName(entry.seq()));
        Outcome o = sfs.renameNoReplace(draft, dst);
        if (o == Outcome.DONE) {
            return;
        }
        JournalEntry there = readOrNull(entry.seq());
        if (there != null && sameCommit(there, entry)) {
            return; // an earlier attempt of this very rename landed though its caller heard it fail
        }
        sfs.deleteIfExists(draft);
        throw fenced(entry, o == Outcome.SOURCE_MISSING
                ? "its draft " + draft + " was moved away with its directory (a newer writer fenced it)"
                : "entry " + entry.seq() + " was written by " + (there == null || there.writer() == null ? "another writer"
                        : "writer " + SourceWriters.dirName(there.writer().epoch(), there.writer().id())
                        + " of run " + there.writer().run()), null);
    }

    private static boolean sameCommit(JournalEntry a, JournalEntry b) {
        return a.writer() != null && b.writer() != null && a.writer().id().equals(b.writer().id())
                && a.fromOffset() == b.fromOffset() && a.toOffset() == b.toOffset();
    }

    private static WriterFencedException fenced(JournalEntry e, String why, Exception cause) {
        return new WriterFencedException("commit " + e.seq() + " of " + e.topic() + "-" + e.partition() + " offsets "
                + e.fromOffset() + ".." + e.toOffset() + " into table " + e.table() + " did not land: " + why, cause);
    }

    /**
     * Deletes entries older than the newest {@link #KEEP} behind {@code newestSeq}, the partition closer's markers of
     * those entries, and version-1 temporaries.
     */
    public void prune(long newestSeq) throws IOException {
        for (FileStatus s : sfs.list(dir)) {
            String name = s.getPath().getName();
            long seq = seqOf(name);
            if (name.startsWith(PartitionCloser.CLOSED_WITHOUT)) {
                String rest = name.substring(PartitionCloser.CLOSED_WITHOUT.length());
                int dot = rest.indexOf('.');
                try {
                    seq = dot > 0 ? Long.parseLong(rest.substring(0, dot)) : -1;
                } catch (NumberFormatException e) {
                    seq = -1;
                }
            }
            if ((seq >= 0 && seq < newestSeq - KEEP) || name.startsWith(TMP_PREFIX)) {
                sfs.deleteIfExists(s.getPath());
            }
        }
    }

    /** Deletes temporary files a crashed version-1 write left (they were never the commit point). */
    public void deleteTemporaries() throws IOException {
        for (FileStatus s : sfs.list(dir)) {
            if (s.getPath().getName().startsWith(TMP_PREFIX)) {
                sfs.deleteIfExists(s.getPath());
            }
        }
    }

    /** The newest entry of every source partition that has a journal under {@code journals}. */
    public static Map<TopicPartition, JournalEntry> heads(SinkFileSystem sfs, Path journals) throws IOException {
        Map<TopicPartition, JournalEntry> heads = new HashMap<>();
        for (FileStatus d : sfs.list(journals)) {
            if (!d.isDirectory()) {
                continue;
            }
            new Journal(sfs, d.getPath()).newest()
                    .ifPresent(e -> heads.put(new TopicPartition(e.topic(), e.partition()), e));
        }
        return heads;
    }

    private JournalEntry readOrNull(long seq) throws IOException {
        Path path = new Path(dir, entryName(seq));
        FileSystem fs = sfs.fs();
        try (InputStream in = fs.open(path)) {
            return parse(path, in);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    static JournalEntry parse(Path path, InputStream in) throws IOException {
        JournalEntry e = JSON.readValue(in, JournalEntry.class);
        if (e.version() == 1) {
            return e.upgradedFromVersion1();
        }
        if (e.version() != JournalEntry.VERSION) {
            throw new IOException("journal entry " + path + " has version " + e.version() + "; this Sluice reads 1 and "
                    + JournalEntry.VERSION);
        }
        return e;
    }

    private static long seqOf(String name) {
        if (!name.endsWith(SUFFIX) || name.startsWith(TMP_PREFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
