package io.sluice.sink.internals;

import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * The few FileSystem operations a commit is built from, each checked: a rename that does not happen is an
 * error, never ignored; a file is synced before it is renamed; on the local file system the directory is synced
 * after a rename, because a rename is only durable once its directory entry is.
 *
 * <p>The commit points use three operations that a fenced writer cannot pass: {@link #renameNoReplace} (put if
 * absent: two writers cannot both take one name, and a writer whose directory was moved away has no source),
 * {@link #createInExisting} (a file in a directory that must already exist: a fenced writer cannot recreate its
 * directory by writing into it), and {@link #moveDirectory} (fencing itself). On HDFS they are HDFS's own atomic
 * {@code rename2} and non-recursive create; on the local file system see {@link LocalRenames}.
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
    private final NoReplaceRename renames;
    private final DirectoryMove moves;
    private volatile FileContext fileContext;

    private SinkFileSystem(FileSystem fs, boolean local) {
        this.fs = fs;
        this.local = local;
        if (fs instanceof NoReplaceRename own) {
            this.renames = own;
        } else if (local) {
            this.renames = (src, dst) -> LocalRenames.renameFileNoReplace(file(src), file(dst));
        } else {
            this.renames = (src, dst) -> hadoopRename(src, dst);
        }
        this.moves = local ? (src, dst) -> LocalRenames.moveDirectory(file(src), file(dst)) : this::hadoopRename;
    }

    @FunctionalInterface
    private interface DirectoryMove {
        Outcome move(Path src, Path dst) throws IOException;
    }

    /** The file system of {@code rootUri}, refused unless it renames atomically. */
    public static SinkFileSystem forRoot(String rootUri, Configuration conf) {
        URI uri = URI.create(rootUri);
        // a root without a scheme lives on fs.defaultFS, which may well be an object store
        String scheme = uri.getScheme() != null ? uri.getScheme() : FileSystem.getDefaultUri(conf).getScheme();
        requireAtomicRename(rootUri, scheme == null ? "file" : scheme.toLowerCase(Locale.ROOT));
        try {
            FileSystem fs = "hdfs".equalsIgnoreCase(scheme) ? HdfsClients.get(uri, conf) : FileSystem.get(uri, conf);
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

    public boolean isLocal() {
        return local;
    }

    public Path qualify(String uri) {
        return fs.makeQualified(new Path(uri));
    }

    /** Creates (or truncates) {@code path} for writing, parents included. */
    public FSDataOutputStream create(Path path) throws IOException {
        return fs.create(path, true);
    }

    /**
     * Creates the new file {@code path} in a directory that must already exist; never creates a directory. Throws
     * {@link FileNotFoundException} when the directory is gone, which is how a writer whose directory was moved away
     * (fenced) learns it on its next write.
     */
    public FSDataOutputStream createInExisting(Path path) throws IOException {
        // no permission on the local file system: Hadoop would set it by running chmod, a process per file
        return fs.createNonRecursive(path, local ? null : FsPermission.getFileDefault(), EnumSet.of(CreateFlag.CREATE),
                fs.getConf().getInt("io.file.buffer.size", 4096), fs.getDefaultReplication(path),
                fs.getDefaultBlockSize(path), null);
    }

    /** Makes what was written to {@code out} durable and closes it. */
    public void syncAndClose(FSDataOutputStream out) throws IOException {
        try {
            out.hflush();
            out.hsync();
        } catch (IOException e) {
            try {
                out.close();
            } catch (IOException c) {
                if (c != e) { // an HDFS stream rethrows the failure it already reported
                    e.addSuppressed(c);
                }
            }
            throw e;
        }
        out.close();
    }

    /** Creates {@code dir} and its parents if missing (idempotent; never a commit point). */
    public void mkdirs(Path dir) throws IOException {
        if (local) {
            // Hadoop's local mkdirs sets permissions by running chmod, a process per directory
            java.nio.file.Files.createDirectories(file(dir).toPath());
            return;
        }
        if (!fs.mkdirs(dir) && !fs.getFileStatus(dir).isDirectory()) {
            throw new IOException("could not create directory " + dir);
        }
    }

    /**
     * Renames file {@code src} to {@code dst} if {@code dst} does not exist, atomically; {@code dst}'s parent is
     * created first. See {@link NoReplaceRename}.
     */
    public Outcome renameNoReplace(Path src, Path dst) throws IOException {
        Path parent = dst.getParent();
        if (!fs.exists(parent)) {
            mkdirs(parent);
        }
        return renames.renameNoReplace(src, dst);
    }

    /**
     * Renames {@code src} to {@code dst}, creating {@code dst}'s parent. Never overwrites: a rename onto an existing
     * name fails with {@link FileAlreadyExistsException}, and a missing source with {@link FileNotFoundException}.
     */
    public void rename(Path src, Path dst) throws IOException {
        switch (renameNoReplace(src, dst)) {
            case DONE -> { }
            case TARGET_EXISTS -> throw new FileAlreadyExistsException("cannot rename " + src + " to " + dst
                    + ": the target exists");
            case SOURCE_MISSING -> throw new FileNotFoundException("cannot rename " + src + " to " + dst
                    + ": the source does not exist");
        }
    }

    /** Moves directory {@code src} to {@code dst} (which must not exist), creating {@code dst}'s parent. */
    public Outcome moveDirectory(Path src, Path dst) throws IOException {
        mkdirs(dst.getParent());
        return moves.move(src, dst);
    }

    /**
     * Writes {@code content} to {@code dst} in one step, never replacing it: a synced temporary file renamed into
     * place. Throws {@link FileAlreadyExistsException} (after removing the temporary file) if {@code dst} exists.
     */
    public void writeAtomically(Path tmp, Path dst, byte[] content) throws IOException {
        FSDataOutputStream out = create(tmp);
        out.write(content);
        syncAndClose(out);
        try {
            rename(tmp, dst);
        } catch (FileAlreadyExistsException e) {
            deleteIfExists(tmp);
            throw e;
        }
    }

    /** Creates an empty marker file; false if it was there already. */
    public boolean createMarker(Path path) throws IOException {
        return createFile(path, new byte[0]);
    }

    /**
     * Creates {@code path} with {@code content}, synced, if no one has: false (and nothing changed) if it was there
     * already. Written under a hidden temporary name beside it and renamed without replacing, so that of two
     * creators exactly one wins and a reader never sees a half-written file.
     */
    public boolean createFile(Path path, byte[] content) throws IOException {
        if (fs.exists(path)) {
            return false;
        }
        Path tmp = new Path(path.getParent(), "._tmp." + path.getName() + "." + java.util.UUID.randomUUID());
        FSDataOutputStream out = create(tmp);
        out.write(content);
        syncAndClose(out);
        Outcome o = renameNoReplace(tmp, path);
        if (o != Outcome.DONE) {
            deleteIfExists(tmp);
        }
        return o == Outcome.DONE;
    }

    /** The whole content of a small file; null if it does not exist. */
    public byte[] readOrNull(Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /** The entries of {@code dir}; empty if it does not exist. */
    public List<FileStatus> list(Path dir) throws IOException {
        try {
            return List.of(fs.listStatus(dir));
        } catch (FileNotFoundException e) {
            return List.of();
        }
    }

    public void deleteIfExists(Path path) throws IOException {
        try {
            fs.delete(path, false);
        } catch (FileNotFoundException e) {
            // already gone
        }
    }

    public void deleteRecursively(Path path) throws IOException {
        try {
            fs.delete(path, true);
        } catch (FileNotFoundException e) {
            // already gone
        }
    }

    private FileContext fileContext() throws IOException {
        FileContext c = fileContext;
        if (c == null) {
            c = FileContext.getFileContext(fs.getUri(), fs.getConf());
            fileContext = c;
        }
        return c;
    }

    /** On the local file system a rename or create is durable only once its directory is synced; HDFS logs it. */
    private void syncDirectory(Path dir) throws IOException {
        if (local) {
            LocalRenames.syncDirectory(file(dir));
        }
    }

    private java.io.File file(Path p) {
        return ((RawLocalFileSystem) fs).pathToFile(p);
    }

    /**
     * HDFS's atomic rename ({@code rename2} without OVERWRITE), for files and directories alike: through the file
     * system's own client where it offers it, else through one FileContext (each FileContext has a client of its
     * own, far too costly to make per rename).
     */
    private Outcome hadoopRename(Path src, Path dst) throws IOException {
        try {
            if (fs instanceof DistributedFileSystem dfs) {
                dfs.rename(src, dst, Options.Rename.NONE);
            } else {
                fileContext().rename(src, dst, Options.Rename.NONE);
            }
            return Outcome.DONE;
        } catch (FileAlreadyExistsException e) {
            return Outcome.TARGET_EXISTS;
        } catch (FileNotFoundException e) {
            if (!fs.exists(src)) {
                return Outcome.SOURCE_MISSING;
            }
            throw e;
        }
    }
}
