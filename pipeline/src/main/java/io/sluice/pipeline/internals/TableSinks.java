package io.sluice.pipeline.internals;

import io.sluice.sink.CommitHook;
import io.sluice.sink.PartitionCommitter;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@link TableSink}s and {@link PartitionCommitter}s of this JVM, by table root.
 *
 * <p>A sink is expensive to open (it loads the table's schema history), so every step instance in the JVM shares
 * one. A committer holds the in-memory state of one source partition's journal (its next sequence number and
 * offset), so there must be exactly one per (table, source partition) in the JVM: the DirectRunner runs a key on
 * whatever DoFn instance is free, and two committers of one partition would each believe they own the journal's
 * next entry. A committer whose commit failed is dropped ({@link #forgetCommitter}) and reopened on next use,
 * which recovers the journal from the FileSystem instead of trusting a state the failure may have left half way.
 *
 * <p>The launcher {@link #forget}s a table before it recovers it and before each pipeline start, so nothing
 * cached outlives a restart. A cancelled pipeline's worker threads can still be inside a commit when the runner
 * already reports it cancelled (the DirectRunner does, and an embedded Flink whose state can no longer be asked);
 * recovery then would delete the temporary files that commit is about to record. So commits register while they
 * run ({@link #commitStarted}) and {@link #forget} waits for those of the table to end. Thread-safe.
 */
public final class TableSinks {
    private static final Logger LOG = LoggerFactory.getLogger(TableSinks.class);
    private static final Map<String, TableSink> SINKS = new ConcurrentHashMap<>();
    private static final Map<String, PartitionCommitter> COMMITTERS = new ConcurrentHashMap<>();
    private static final Map<String, Integer> IN_FLIGHT = new ConcurrentHashMap<>();
    private static final long IN_FLIGHT_PATIENCE_MS = 60_000;

    private TableSinks() {}

    public static TableSink sink(TableSpec spec, Map<String, String> hadoopConf, String registryUrl, CommitHook hook) {
        return SINKS.computeIfAbsent(spec.root(), root -> {
            LOG.info("opening table {} at {}", spec.name(), root);
            return TableSink.open(spec, HadoopConf.of(hadoopConf),
                    id -> Registries.client(registryUrl).getById(id), PipelineMetrics.registry(), hook);
        });
    }

    public static PartitionCommitter committer(TableSpec spec, String topic, int partition,
                                               Map<String, String> hadoopConf, String registryUrl, CommitHook hook) {
        TableSink sink = sink(spec, hadoopConf, registryUrl, hook);
        return COMMITTERS.computeIfAbsent(committerKey(spec, topic, partition),
                k -> sink.committer(topic, partition));
    }

    public static void forgetCommitter(TableSpec spec, String topic, int partition) {
        COMMITTERS.remove(committerKey(spec, topic, partition));
    }

    /** A commit into the table at {@code root} begins; pair with {@link #commitEnded} in a finally block. */
    public static void commitStarted(String root) {
        synchronized (IN_FLIGHT) {
            IN_FLIGHT.merge(root, 1, Integer::sum);
        }
    }

    public static void commitEnded(String root) {
        synchronized (IN_FLIGHT) {
            IN_FLIGHT.computeIfPresent(root, (k, n) -> n == 1 ? null : n - 1);
            IN_FLIGHT.notifyAll();
        }
    }

    /**
     * Closes and drops the table's sink and committers, once no commit into it is running in this JVM; the next
     * use reopens them from the FileSystem.
     *
     * @throws IllegalStateException if commits are still running after a minute
     */
    public static void forget(TableSpec spec) {
        synchronized (IN_FLIGHT) {
            long deadline = System.currentTimeMillis() + IN_FLIGHT_PATIENCE_MS;
            while (IN_FLIGHT.containsKey(spec.root())) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new IllegalStateException("table " + spec.name() + ": " + IN_FLIGHT.get(spec.root())
                            + " commits still running a minute after the pipeline ended; not recovering under them");
                }
                try {
                    IN_FLIGHT.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for commits into table "
                            + spec.name() + " to end", e);
                }
            }
        }
        String prefix = spec.root() + "|";
        COMMITTERS.keySet().removeIf(k -> k.startsWith(prefix));
        TableSink sink = SINKS.remove(spec.root());
        if (sink != null) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.warn("closing table {} at {} failed; dropped anyway", spec.name(), spec.root(), e);
            }
        }
    }

    private static String committerKey(TableSpec spec, String topic, int partition) {
        return spec.root() + "|" + topic + "|" + partition;
    }
}
