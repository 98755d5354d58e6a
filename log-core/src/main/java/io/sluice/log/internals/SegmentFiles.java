package io.sluice.log.internals;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Names of a segment's files: the base offset as 20 digits, then {@code .log}, {@code .index} or
 * {@code .timeindex}, optionally followed by a state suffix ({@code .cleaned}, {@code .swap},
 * {@code .deleted}) while a compaction swap or a deletion is in flight.
 */
public final class SegmentFiles {
    public static final String LOG = ".log";
    public static final String INDEX = ".index";
    public static final String TIME_INDEX = ".timeindex";
    public static final String SNAPSHOT = ".snapshot";
    public static final String CLEANED = ".cleaned";
    public static final String SWAP = ".swap";
    public static final String DELETED = ".deleted";

    private SegmentFiles() {
    }

    public static String baseName(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    public static Path log(Path dir, long base) {
        return dir.resolve(baseName(base) + LOG);
    }

    public static Path index(Path dir, long base) {
        return dir.resolve(baseName(base) + INDEX);
    }

    public static Path timeIndex(Path dir, long base) {
        return dir.resolve(baseName(base) + TIME_INDEX);
    }

    public static Path snapshot(Path dir, long offset) {
        return dir.resolve(baseName(offset) + SNAPSHOT);
    }

    public static Path withSuffix(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** The offset a file name starts with, if it starts with 20 digits and a dot. */
    public static OptionalLong offsetOf(String fileName) {
        if (fileName.length() < 21 || fileName.charAt(20) != '.') {
            return OptionalLong.empty();
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(fileName.charAt(i))) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(fileName.substring(0, 20)));
    }
}
