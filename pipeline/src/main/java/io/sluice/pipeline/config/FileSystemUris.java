package io.sluice.pipeline.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a warehouse location as written (an {@code hdfs://} or {@code file://} URI, or a plain local path)
 * into the Hadoop URI the sink uses, and refuses file systems without atomic rename: a Sluice commit is
 * one atomic journal write followed by renames, which is only safe where rename is atomic.
 */
final class FileSystemUris {
    /** Object stores Hadoop reaches whose rename is a copy and a delete. */
    private static final Set<String> NO_ATOMIC_RENAME = Set.of("s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb",
            "wasbs", "adl", "oss", "cos", "cosn", "obs");
    private static final Pattern HAS_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");

    private FileSystemUris() {
    }

    /**
     * {@code hdfs://host:port/path} and {@code hdfs:///path} unchanged; {@code file:///path} normalized; a
     * plain path made absolute against the current directory as {@code file:///…}. No trailing '/'.
     *
     * @throws IllegalArgumentException naming the value and what is accepted
     */
    static String normalize(String text) {
        String t = text.trim();
        if (t.chars().anyMatch(Character::isWhitespace)) {
            // Hadoop's Path and java.net.URI disagree on escaping; a warehouse path needs none
            throw new IllegalArgumentException("'" + text + "' contains whitespace; use a location without");
        }
        if (!HAS_SCHEME.matcher(t).matches()) {
            return fileUri(Path.of(t).toAbsolutePath().normalize().toString(), text);
        }
        URI u;
        try {
            u = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid URI: " + e.getReason());
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        if (NO_ATOMIC_RENAME.contains(scheme)) {
            throw new IllegalArgumentException(scheme + " has no atomic rename, and Sluice commits files by renaming "
                    + "them: '" + text + "' cannot be a warehouse; use hdfs://, file:// or a local path");
        }
        switch (scheme) {
            case "file" -> {
                if (u.getRawAuthority() != null && !u.getRawAuthority().isEmpty()) {
                    throw new IllegalArgumentException("'" + text + "' names the host '" + u.getRawAuthority()
                            + "': write file:///absolute/path (three slashes) or a plain path");
                }
                if (u.getPath() == null || !u.getPath().startsWith("/")) {
                    throw new IllegalArgumentException("'" + text + "' is not an absolute file URI: write "
                            + "file:///absolute/path or a plain (relative or absolute) path");
                }
                return fileUri(Path.of(u.getPath()).normalize().toString(), text);
            }
            case "hdfs" -> {
                if (u.getPath() == null || (!u.getPath().isEmpty() && !u.getPath().startsWith("/"))) {
                    throw new IllegalArgumentException("'" + text + "' is not an hdfs URI: write "
                            + "hdfs://namenode:port/path or hdfs:///path");
                }
                if (u.getQuery() != null || u.getFragment() != null) {
                    throw new IllegalArgumentException("'" + text + "' has a query or fragment; a warehouse is a path");
                }
                return stripTrailingSlashes(t);
            }
            default -> throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in '" + text
                    + "': use hdfs://, file:// or a local path");
        }
    }

    private static String fileUri(String absolutePath, String text) {
        if (absolutePath.equals("/")) {
            throw new IllegalArgumentException("'" + text + "' is the file-system root; choose a directory for the "
                    + "warehouse");
        }
        return "file://" + absolutePath;
    }

    private static String stripTrailingSlashes(String s) {
        String r = s;
        while (r.endsWith("/") && !r.endsWith("://")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }
}
