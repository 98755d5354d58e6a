package io.sluice.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.Syncable;
import io.sluice.sink.internals.LocalRenames;
import io.sluice.sink.internals.NoReplaceRename;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system, recording every hsync and rename in order, and able to fail a rename after it
 * happened (the rename is durable, the caller is told it failed). Installed for {@code file://} with
 * {@link #install}; one test at a time uses it. Sluice's renames without replacing come here too (it implements
 * {@link NoReplaceRename}), and are done as Sluice does them on the local file system.
 */
public class RecordingLocalFileSystem extends RawLocalFileSystem implements NoReplaceRename {
    static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());
    static volatile Predicate<Path> failAfterRenameTo = p -> false;

    static Configuration install() {
        EVENTS.clear();
        failAfterRenameTo = p -> false;
        Configuration conf = new Configuration();
        conf.setClass("fs.file.impl", RecordingLocalFileSystem.class, FileSystem.class);
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return conf;
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        FSDataOutputStream inner = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        return new FSDataOutputStream(new Recording(inner, f.getName()), null);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        FSDataOutputStream inner = super.create(f, overwrite, bufferSize, replication, blockSize, progress);
        return new FSDataOutputStream(new Recording(inner, f.getName()), null);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, java.util.EnumSet<CreateFlag> flags,
                                                 int bufferSize, short replication, long blockSize,
                                                 Progressable progress) throws IOException {
        FSDataOutputStream inner = super.createNonRecursive(f, permission, flags, bufferSize, replication, blockSize,
                progress);
        return new FSDataOutputStream(new Recording(inner, f.getName()), null);
    }

    @Override
    public Outcome renameNoReplace(Path src, Path dst) throws IOException {
        Outcome o = LocalRenames.renameFileNoReplace(pathToFile(src), pathToFile(dst));
        EVENTS.add("rename " + src.getName() + " -> " + dst.getName() + (o == Outcome.DONE ? "" : " (" + o + ")"));
        if (o == Outcome.DONE && failAfterRenameTo.test(dst)) {
            throw new IOException("injected: the rename to " + dst + " happened, but the caller hears it failed");
        }
        return o;
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        boolean done = super.rename(src, dst);
        EVENTS.add("rename " + src.getName() + " -> " + dst.getName());
        if (done && failAfterRenameTo.test(dst)) {
            throw new IOException("injected: the rename to " + dst + " happened, but the caller hears it failed");
        }
        return done;
    }

    private static final class Recording extends OutputStream implements Syncable {
        private final FSDataOutputStream inner;
        private final String name;

        Recording(FSDataOutputStream inner, String name) {
            this.inner = inner;
            this.name = name;
        }

        @Override public void write(int b) throws IOException { inner.write(b); }
        @Override public void write(byte[] b, int off, int len) throws IOException { inner.write(b, off, len); }
        @Override public void flush() throws IOException { inner.flush(); }
        @Override public void close() throws IOException { inner.close(); }
        @Override public void hflush() throws IOException { inner.hflush(); }

        @Override
        public void hsync() throws IOException {
            inner.hsync();
            EVENTS.add("hsync " + name);
        }
    }
}
