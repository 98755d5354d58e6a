package io.sluice.log.server;

import io.sluice.log.internals.AtomicFile;
import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Hands out producer ids that are never reused, across restarts: ids are reserved in blocks, and the
 * end of the reserved block is made durable ({@code producer-id-block} in the data directory) before any
 * id of it is handed out, so a crash can skip ids but never repeat one. Thread-safe.
 */
final class ProducerIdAllocator {
    static final String FILE = "producer-id-block";
    private static final long BLOCK = 1000;

    private final FileIO io;
    private final Path file;
    private long next;
    private long reservedEnd;

    ProducerIdAllocator(FileIO io, Path dataDir) throws IOException {
        this.io = io;
        this.file = dataDir.resolve(FILE);
        byte[] bytes = AtomicFile.readIfExists(file);
        long end = bytes == null ? 0 : Long.parseLong(new String(bytes, StandardCharsets.UTF_8).trim());
        this.next = end;
        this.reservedEnd = end;
    }

    synchronized long next() throws IOException {
        if (next >= reservedEnd) {
            long end = reservedEnd + BLOCK;
            AtomicFile.write(io, file, Long.toString(end).getBytes(StandardCharsets.UTF_8));
            reservedEnd = end;
        }
        return next++;
    }
}
