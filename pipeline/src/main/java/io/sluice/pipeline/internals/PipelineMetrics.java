package io.sluice.pipeline.internals;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SharedMetricRegistries;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * One place to count what the pipeline steps do, twice: as Beam metrics (every runner reports them, per step) and
 * in the process's Dropwizard registry {@code SharedMetricRegistries.getOrCreate("sluice")} (what the CLI, JMX and
 * Prometheus read). Beam names are {@code sluice:<name>}; Dropwizard names {@code sluice.pipeline.<name>}.
 *
 * <p>Beam's metric objects are cheap handles bound to the current step when used; the Dropwizard ones are shared
 * by every instance in the JVM. Thread-safe.
 */
public final class PipelineMetrics {
    public static final String REGISTRY = "sluice";
    public static final String NAMESPACE = "sluice";
    public static final String PREFIX = "sluice.pipeline.";

    public static final String RECORDS_DECODED = "recordsDecoded";
    public static final String RECORDS_FILTERED = "recordsFiltered";
    public static final String DEAD_LETTERS = "deadLetters";
    public static final String RECORDS_COMMITTED = "recordsCommitted";
    public static final String BYTES_COMMITTED = "bytesCommitted";
    public static final String DEAD_LETTERS_COMMITTED = "deadLettersCommitted";
    public static final String RECORDS_SKIPPED_AS_REPLAYED = "recordsSkippedAsReplayed";
    public static final String RECORDS_HELD_BY_STOPPED_TABLE = "recordsHeldByStoppedTable";
    public static final String COMMITS = "commits";
    /** Offsets the reader found deleted from the log before they were read (retention, an old restore). */
    public static final String OFFSETS_MISSING_FROM_LOG = "offsetsMissingFromLog";
    /** Records kept for a later commit because offsets before them had not arrived yet. */
    public static final String RECORDS_WAITING_FOR_EARLIER = "recordsWaitingForEarlierOffsets";
    /** Writers that registered, fencing the previous writer of their source partition. */
    public static final String WRITERS_REGISTERED = "writersRegistered";
    public static final String COMMIT_LATENCY_MS = "commitLatencyMs";

    private PipelineMetrics() {}

    public static MetricRegistry registry() {
        return SharedMetricRegistries.getOrCreate(REGISTRY);
    }

    public static void count(String name, long n) {
        if (n == 0) {
            return;
        }
        Counter beam = Metrics.counter(NAMESPACE, name);
        beam.inc(n);
        registry().counter(PREFIX + name).inc(n);
    }

    /** Dead letters by the class of what refused them, plus the total. */
    public static void deadLetter(String errorClass) {
        count(DEAD_LETTERS, 1);
        count(DEAD_LETTERS + "." + errorClass, 1);
    }

    public static void commitLatency(String table, long millis) {
        Distribution beam = Metrics.distribution(NAMESPACE, COMMIT_LATENCY_MS);
        beam.update(millis);
        registry().timer(PREFIX + "commitLatency").update(millis, TimeUnit.MILLISECONDS);
        registry().timer(PREFIX + "commitLatency." + table).update(millis, TimeUnit.MILLISECONDS);
    }

    /** The value of a Dropwizard counter of this helper (0 when it was never incremented). */
    public static long dropwizardCount(String name) {
        com.codahale.metrics.Counter c = registry().getCounters().get(PREFIX + name);
        return c == null ? 0 : c.getCount();
    }
}
