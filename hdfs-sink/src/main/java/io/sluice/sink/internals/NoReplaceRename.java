package io.sluice.sink.internals;

import java.io.IOException;
import org.apache.hadoop.fs.Path;

/**
 * A rename that never replaces its target and happens whole or not at all: the put-if-absent step that every
 * commit point of Sluice is built on. Two callers renaming onto one name cannot both win, and a caller whose
 * source was moved away (a fenced writer) cannot win at all.
 *
 * <p>HDFS has it natively ({@code rename2} with {@code Options.Rename.NONE}); the local file system does not (its
 * {@code rename(2)} replaces a file), so there it is a hard link, which fails if the target exists, followed by
 * removing the source name. A {@link org.apache.hadoop.fs.FileSystem} may implement this interface itself (tests
 * do, to record the order of operations).
 */
public interface NoReplaceRename {
    /** What a rename did. Only {@link #DONE} moved anything. */
    enum Outcome {
        DONE,
        /** The target exists; nothing changed. */
        TARGET_EXISTS,
        /** The source does not exist (it was moved away, or never written); nothing changed. */
        SOURCE_MISSING
    }

    /**
     * Renames file {@code src} to {@code dst}, whose parent directory must exist. Durable when it returns
     * {@link Outcome#DONE} (on the local file system the directories are synced).
     */
    Outcome renameNoReplace(Path src, Path dst) throws IOException;
}
