package io.sluice.log.internals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Every file the log writes goes through this seam, so that a test can stand in for the disk and throw
 * away whatever was not fsynced when it simulates a power loss. Production uses {@link RealFileIO}.
 *
 * <p>Implementations are thread-safe.
 */
public interface FileIO {

    /** Opens {@code path} for reading and writing, creating it when {@code create} is set. */
    FileChannel openReadWrite(Path path, boolean create) throws IOException;

    /** Renames atomically ({@code ATOMIC_MOVE}), replacing the target. The parent is not fsynced. */
    void move(Path from, Path to) throws IOException;

    /** Deletes a file if it exists. The parent is not fsynced. */
    boolean deleteIfExists(Path path) throws IOException;

    /** Makes a directory (and parents); the caller fsyncs the parent when the entry must be durable. */
    void createDirectories(Path dir) throws IOException;

    /** fsyncs a directory so that creations, renames and deletions inside it survive a power loss. */
    void fsyncDirectory(Path dir) throws IOException;

    /** The default implementation: the real file system. */
    static FileIO real() {
        return RealFileIO.INSTANCE;
    }
}
