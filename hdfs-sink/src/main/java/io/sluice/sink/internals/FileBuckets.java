package io.sluice.sink.internals;

import java.util.Map;
import java.util.TreeMap;

/**
 * How many rows of a data file fall in each audit bucket, kept in the file's Avro header under {@link #KEY} so
 * that the warehouse verifier knows which buckets a file it cannot read whole would have covered (the header is
 * at the start of the file and outlives damage to a data block). Format: the bucket width in milliseconds, then
 * {@code start:count} per bucket, separated by spaces, for example {@code 600000 1764000000000:12 1764000600000:3}.
 */
public final class FileBuckets {
    public static final String KEY = "sluice.audit.rows";

    private FileBuckets() {}

    public static String format(long bucketMillis, Map<Long, Long> rowsByBucket) {
        StringBuilder b = new StringBuilder().append(bucketMillis);
        new TreeMap<>(rowsByBucket).forEach((start, n) -> b.append(' ').append(start).append(':').append(n));
        return b.toString();
    }

    /** The bucket width and the rows per bucket start; throws {@link IllegalArgumentException} if malformed. */
    public static Parsed parse(String text) {
        String[] parts = text.trim().split(" +");
        try {
            Map<Long, Long> rows = new TreeMap<>();
            for (int i = 1; i < parts.length; i++) {
                int colon = parts[i].indexOf(':');
                rows.put(Long.parseLong(parts[i].substring(0, colon)), Long.parseLong(parts[i].substring(colon + 1)));
            }
            return new Parsed(Long.parseLong(parts[0]), rows);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("file header " + KEY + " '" + text + "' is not '<width> <start>:<rows>…'", e);
        }
    }

    public record Parsed(long bucketMillis, Map<Long, Long> rowsByBucket) {}
}
