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
        Path tmp = tmpFor(target);
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

    /**
     * {@code name.tmp}, with the name cut so that the whole stays within the 255 bytes a file name may have
     * (a topic of the 249 characters Kafka allows has a {@code <topic>.topic} file of 255).
     */
    static Path tmpFor(Path target) {
        String name = target.getFileName().toString();
        return target.resolveSibling(name.substring(0, Math.min(name.length(), MAX_NAME - 4)) + ".tmp");
    }

    private static final int MAX_NAME = 255;

    /** The file's bytes, or null if it does not exist. */
    public static byte[] readIfExists(Path path) throws IOException {
        return Files.exists(path) ? Files.readAllBytes(path) : null;
    }
}
