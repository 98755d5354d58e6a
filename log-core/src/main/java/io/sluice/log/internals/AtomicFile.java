package io.sluice.log.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small metadata files replaced atomically: write {@code name.tmp}, fsync it, rename over the target,
 * fsync the directory. A reader sees the old content or the new, never a mix, and once
 * {@link #write} returns the new content survives a power loss.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void write(FileIO io, Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        io.deleteIfExists(tmp);
        try (FileChannel ch = io.openReadWrite(tmp, true)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            long pos = 0;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            ch.force(true);
        }
        io.move(tmp, target);
        io.fsyncDirectory(target.getParent());
    }

    /** The file's bytes, or null if it does not exist. */
    public static byte[] readIfExists(Path path) throws IOException {
        return Files.exists(path) ? Files.readAllBytes(path) : null;
    }
}
