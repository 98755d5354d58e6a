package io.sluice.sink.internals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.sink.JournalEntry;
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
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;

/**
 * The commit journal of one source partition in one table: a directory of numbered JSON entries, each
 * written whole by a rename (so an entry is either complete or absent, never torn). The newest entry is the
 * partition's committed state; older ones are kept a while for people and then pruned.
 *
 * <p>Invariant: the renames of entry n are finished before entry n+1 is written, so recovery only ever has
 * to finish the newest entry.
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

    /** The newest entry, if any; leftovers of an entry that was never renamed into place are ignored. */
    public Optional<JournalEntry> newest() throws IOException {
        long best = -1;
        for (FileStatus s : list()) {
            long seq = seqOf(s.getPath().getName());
            best = Math.max(best, seq);
        }
        return best < 0 ? Optional.empty() : Optional.of(read(new Path(dir, entryName(best))));
    }

    /** Writes {@code entry} as one atomic step; refuses if an entry with its number exists (a second writer). */
    public void write(JournalEntry entry) throws IOException {
        Path dst = new Path(dir, entryName(entry.seq()));
        Path tmp = new Path(dir, TMP_PREFIX + entry.seq() + "." + UUID.randomUUID());
        sfs.writeAtomically(tmp, dst, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entry));
    }

    /** Deletes entries older than the newest {@link #KEEP}, and temporary files left by a crash. */
    public void prune(long newestSeq) throws IOException {
        for (FileStatus s : list()) {
            String name = s.getPath().getName();
            long seq = seqOf(name);
            if ((seq >= 0 && seq < newestSeq - KEEP) || name.startsWith(TMP_PREFIX)) {
                sfs.deleteIfExists(s.getPath());
            }
        }
    }

    /** Deletes temporary files a crashed write left (they were never the commit point). */
    public void deleteTemporaries() throws IOException {
        for (FileStatus s : list()) {
            if (s.getPath().getName().startsWith(TMP_PREFIX)) {
                sfs.deleteIfExists(s.getPath());
            }
        }
    }

    /** The newest entry of every source partition that has a journal under {@code journals}. */
    public static Map<TopicPartition, JournalEntry> heads(SinkFileSystem sfs, Path journals) throws IOException {
        Map<TopicPartition, JournalEntry> heads = new HashMap<>();
        FileStatus[] dirs;
        try {
            dirs = sfs.fs().listStatus(journals);
        } catch (FileNotFoundException e) {
            return heads;
        }
        for (FileStatus d : dirs) {
            if (!d.isDirectory()) {
                continue;
            }
            new Journal(sfs, d.getPath()).newest()
                    .ifPresent(e -> heads.put(new TopicPartition(e.topic(), e.partition()), e));
        }
        return heads;
    }

    private List<FileStatus> list() throws IOException {
        try {
            return List.of(sfs.fs().listStatus(dir));
        } catch (FileNotFoundException e) {
            return new ArrayList<>();
        }
    }

    private JournalEntry read(Path path) throws IOException {
        FileSystem fs = sfs.fs();
        try (InputStream in = fs.open(path)) {
            JournalEntry e = JSON.readValue(in, JournalEntry.class);
            if (e.version() != JournalEntry.VERSION) {
                throw new IOException("journal entry " + path + " has version " + e.version() + "; this Sluice reads "
                        + JournalEntry.VERSION);
            }
            return e;
        }
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
