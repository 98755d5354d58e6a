package io.sluice.sink;

import io.sluice.sink.internals.SinkFileSystem;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Proves, before a pipeline starts, that it can write where its tables and dead letters go: creates the
 * root if missing, then writes and removes a small file in it. A root that cannot be written is a
 * {@link WarehouseUnavailableException} naming the path and the file system's reason, at start, instead of
 * a failed commit when the first record arrives.
 */
public final class WarehouseCheck {
    private WarehouseCheck() {
    }

    public static void requireWritable(String rootUri, Map<String, String> hadoop) {
        Configuration conf = new Configuration();
        hadoop.forEach(conf::set);
        SinkFileSystem fs;
        try {
            fs = SinkFileSystem.forRoot(rootUri, conf);
        } catch (IllegalArgumentException e) {
            throw new WarehouseUnavailableException(rootUri, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new WarehouseUnavailableException(rootUri, reason(e), e);
        }
        Path root = fs.qualify(rootUri);
        Path probe = new Path(root, ".sluice-write-check-" + UUID.randomUUID());
        try {
            fs.mkdirs(root);
            fs.createFile(probe, new byte[] {1});
            fs.deleteIfExists(probe);
        } catch (IOException | RuntimeException e) {
            throw new WarehouseUnavailableException(rootUri, reason(e), e);
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.io.UncheckedIOException)) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** A warehouse location the pipeline cannot write. */
    public static final class WarehouseUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WarehouseUnavailableException(String root, String reason, Throwable cause) {
            super("cannot write to " + root + " (" + reason + "); check the path and its permissions "
                    + "(warehouse.root / warehouse.dead-letter-root)", cause);
        }
    }
}
