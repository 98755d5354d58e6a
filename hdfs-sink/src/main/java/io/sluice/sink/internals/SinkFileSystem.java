package io.sluice.sink.internals;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The few FileSystem operations a commit is built from, each checked: a rename that returns false is an
 * error, never ignored; a file is synced before it is renamed; on the local file system the directory is
 * synced after a rename, because a rename is only durable once its directory entry is.
 *
 * <p>Only stores whose rename is atomic are accepted: HDFS (and viewfs over it) and the local file
 * system. Object stores (s3a, gs, abfs, …) copy on rename, so a reader could see half a commit; they are
 * refused when the table is opened, not at the first commit.
 */
public final class SinkFileSystem {
    private static final Set<String> ATOMIC_RENAME = Set.of("hdfs", "viewfs", "file");
    private static final Set<String> OBJECT_STORES = Set.of("s3", "s3a", "s3n", "gs", "wasb", "wasbs", "abfs",
            "abfss", "oss", "cos", "cosn", "obs", "adl");

    private final FileSystem fs;
    private final boolean local;

    private SinkFileSystem(FileSystem fs, boolean local) {
        this.fs = fs;
        this.local = local;
    }

    /** The file system of {@code rootUri}, refused unless it renames atomically. */
    public static SinkFileSystem forRoot(String rootUri, Configuration conf) {
        URI uri = URI.create(rootUri);
        // a root without a scheme lives on fs.defaultFS, which may well be an object store
        String scheme = uri.getScheme() != null ? uri.getScheme() : FileSystem.getDefaultUri(conf).getScheme();
        requireAtomicRename(rootUri, scheme == null ? "file" : scheme.toLowerCase(Locale.ROOT));
        try {
            FileSystem fs = FileSystem.get(uri, conf);
            if (fs instanceof LocalFileSystem checksummed) {
                // the checksummed wrapper neither passes hsync through nor keeps .crc files out of the table
                return new SinkFileSystem(checksummed.getRaw(), true);
            }
            return new SinkFileSystem(fs, fs instanceof RawLocalFileSystem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + rootUri, e);
        }
    }

    static void requireAtomicRename(String rootUri, String scheme) {
        if (OBJECT_STORES.contains(scheme)) {
            throw new IllegalArgumentException("table root " + rootUri + ": " + scheme + " has no atomic rename,"
                    + " so a commit could be seen half done; use hdfs:// or file://");
        }
        if (!ATOMIC_RENAME.contains(scheme)) {
            throw new IllegalArgumentException("table root " + rootUri + ": scheme '" + scheme
                    + "' is not known to rename atomically; use hdfs:// or file://");
        }
    }

    public FileSystem fs() {
        return fs;
    }

    public Path qualify(String uri) {
        return fs.makeQualified(new Path(uri));
    }

    /** Creates (or truncates) {@code path} for writing, parents included. */
    public FSDataOutputStream create(Path path) throws IOException {
        return fs.create(path, true);
    }

    /** Makes what was written to {@code out} durable and closes it. */
    public void syncAndClose(FSDataOutputStream out) throws IOException {
        try (out) {
            out.hflush();
            out.hsync();
        }
    }

    /**
     * Renames {@code src} to {@code dst}, creating {@code dst}'s parent. Never overwrites: if {@code dst}
     * exists the rename is refused, because the one writer of a source partition never renames twice onto the
     * same name.
     */
    public void rename(Path src, Path dst) throws IOException {
        Path parent = dst.getParent();
        if (!fs.exists(parent) && !fs.mkdirs(parent)) {
            throw new IOException("could not create directory " + parent);
        }
        if (fs.exists(dst)) {
            throw new FileAlreadyExistsException("cannot rename " + src + " to " + dst + ": the target exists");
        }
        if (!fs.rename(src, dst)) {
            throw new IOException("rename of " + src + " to " + dst + " returned false (source exists: "
                    + fs.exists(src) + ", target exists: " + fs.exists(dst) + ")");
        }
        syncDirectory(parent);
    }

    /** Writes {@code content} to {@code dst} in one step: a synced temporary file renamed into place. */
    public void writeAtomically(Path tmp, Path dst, byte[] content) throws IOException {
        FSDataOutputStream out = create(tmp);
        out.write(content);
        syncAndClose(out);
        rename(tmp, dst);
    }

    /** Creates an empty marker file; false if it was there already. */
    public boolean createMarker(Path path) throws IOException {
        try {
            syncAndClose(fs.create(path, false));
            syncDirectory(path.getParent());
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(path)) {
                return false; // some stores say "exists" with a plain IOException
            }
            throw e;
        }
    }

    public void deleteIfExists(Path path) throws IOException {
        try {
            fs.delete(path, false);
        } catch (FileNotFoundException e) {
            // already gone
        }
    }

    /** On the local file system a rename or create is durable only once its directory is synced; HDFS logs it. */
    private void syncDirectory(Path dir) throws IOException {
        if (!local) {
            return;
        }
        java.nio.file.Path nio = pathToFile(dir).toPath();
        try (FileChannel channel = FileChannel.open(nio, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private java.io.File pathToFile(Path p) {
        return ((RawLocalFileSystem) fs).pathToFile(p);
    }
}
