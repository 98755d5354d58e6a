package io.sluice.pipeline.internals;

import io.sluice.sink.CommitHook;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@link TableSink}s of this JVM, by table root. A sink is expensive to open (it loads the table's schema
 * history), so every step instance in the JVM shares one; it is a cache of the table's files, and nothing it holds
 * decides who may commit (each commit is fenced on the file system). The launcher {@link #forget}s a table before each
 * pipeline start, so nothing cached outlives a restart. Thread-safe.
 */
public final class TableSinks {
    private static final Logger LOG = LoggerFactory.getLogger(TableSinks.class);
    private static final Map<String, TableSink> SINKS = new ConcurrentHashMap<>();

    private TableSinks() {}

    public static TableSink sink(TableSpec spec, Map<String, String> hadoopConf, String registryUrl, CommitHook hook) {
        return SINKS.computeIfAbsent(spec.root(), root -> {
            LOG.info("opening table {} at {}", spec.name(), root);
            return TableSink.open(spec, HadoopConf.of(hadoopConf),
                    id -> Registries.client(registryUrl).getById(id), PipelineMetrics.registry(), hook);
        });
    }

    /** Drops the table's sink; the next use reopens it from the file system. */
    public static void forget(TableSpec spec) {
        TableSink sink = SINKS.remove(spec.root());
        if (sink != null) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.warn("closing table {} at {} failed; dropped anyway", spec.name(), spec.root(), e);
            }
        }
    }
}
