package io.sluice.pipeline.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a pipeline's tables live. Immutable.
 *
 * @param root           the warehouse root as a Hadoop URI ({@code hdfs://…} or {@code file:///…}), no
 *                       trailing '/'; each table is the directory {@code <root>/<table>}
 * @param deadLetterRoot where records that cannot be written go ({@code <root>/_dead_letters} by default)
 * @param hadoop         extra Hadoop Configuration keys, in file order
 * @param claimLease     how long the pipeline run's claims on its tables stay live without a renewal
 */
public record WarehouseConfig(String root, String deadLetterRoot, Map<String, String> hadoop, Duration claimLease) {
    public WarehouseConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(claimLease, "claimLease");
        Objects.requireNonNull(deadLetterRoot, "deadLetterRoot");
        hadoop = Collections.unmodifiableMap(new LinkedHashMap<>(hadoop));
    }

    /** The directory of table {@code table}. */
    public String tableRoot(String table) {
        return root + "/" + table;
    }
}
