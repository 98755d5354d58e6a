package io.sluice.sink.internals;

import java.io.Closeable;

/**
 * Closing what a failed write left open. An HDFS stream rethrows the failure it already reported when it is closed,
 * and try-with-resources would then add an exception to itself ("Self-suppression not permitted") and lose it.
 */
final class Closing {
    private Closing() {}

    /** Closes each of {@code open}, keeping what closing throws as suppressed by {@code failure} unless it is it. */
    static void afterFailure(Throwable failure, Closeable... open) {
        for (Closeable c : open) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (e != failure && e.getCause() != failure) {
                    failure.addSuppressed(e);
                }
            }
        }
    }
}
