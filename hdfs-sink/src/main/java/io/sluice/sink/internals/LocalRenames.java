package io.sluice.sink.internals;

import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The atomic steps of a commit on the local file system, where Hadoop's {@code rename} would replace an existing
 * target and {@code exists}-then-{@code rename} would let two writers both win.
 *
 * <ul>
 *   <li>A file is renamed without replacing by {@code link(2)} (atomic; fails if the target exists or the source is
 *       gone), then the source name is removed. A crash between the two leaves both names on one inode: the target
 *       is in place, the source is a leftover that recovery deletes.</li>
 *   <li>A directory is moved by {@code rename(2)} to a name no one else uses (a writer's unique directory name under
 *       {@code fenced/}), so there is no target to replace.</li>
 *   <li>A rename or link is durable once the directories holding the names are synced.</li>
 * </ul>
 */
public final class LocalRenames {
    private LocalRenames() {}

    public static Outcome renameFileNoReplace(File src, File dst) throws IOException {
        try {
            Files.createLink(dst.toPath(), src.toPath());
        } catch (FileAlreadyExistsException e) {
            return Outcome.TARGET_EXISTS;
        } catch (NoSuchFileException e) {
            if (!Files.exists(src.toPath(), LinkOption.NOFOLLOW_LINKS)) {
                return Outcome.SOURCE_MISSING;
            }
            throw new NoSuchFileException(dst.toString(), null, "the directory of the rename target does not exist");
        }
        syncDirectory(dst.getParentFile());
        try {
            Files.delete(src.toPath());
        } catch (NoSuchFileException e) {
            // moved away since the link (its directory was fenced): the target is in place all the same
        }
        return Outcome.DONE;
    }

    /** Moves directory {@code src} to {@code dst}, which must not exist; both parents are synced. */
    public static Outcome moveDirectory(File src, File dst) throws IOException {
        if (Files.exists(dst.toPath(), LinkOption.NOFOLLOW_LINKS)) {
            return Outcome.TARGET_EXISTS; // rename(2) would replace an empty directory: never rely on it
        }
        try {
            Files.move(src.toPath(), dst.toPath(), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            if (!Files.exists(src.toPath(), LinkOption.NOFOLLOW_LINKS)) {
                return Outcome.SOURCE_MISSING;
            }
            throw e;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            return Outcome.TARGET_EXISTS;
        }
        syncDirectory(dst.getParentFile());
        syncDirectory(src.getParentFile());
        return Outcome.DONE;
    }

    /** A name created, linked or renamed in {@code dir} is durable once the directory itself is synced. */
    public static void syncDirectory(File dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir.toPath(), StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
