package io.sluice.sink.internals;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/** The Dropwizard metrics of one table, named {@code sluice.sink.<table>.<what>}. */
public final class SinkMetrics {
    public final Meter recordsCommitted;
    public final Meter bytesCommitted;
    public final Meter deadLetters;
    public final Meter commits;
    public final Counter replayedSkipped;
    public final Counter lateRecords;
    public final Counter filesOpen;
    public final Counter partitionsClosed;
    public final Timer commitLatency;

    public SinkMetrics(MetricRegistry registry, String table) {
        String base = MetricRegistry.name("sluice", "sink", table);
        recordsCommitted = registry.meter(base + ".records-committed");
        bytesCommitted = registry.meter(base + ".bytes-committed");
        deadLetters = registry.meter(base + ".dead-letters");
        commits = registry.meter(base + ".commits");
        replayedSkipped = registry.counter(base + ".replayed-skipped");
        lateRecords = registry.counter(base + ".late-records");
        filesOpen = registry.counter(base + ".files-open");
        partitionsClosed = registry.counter(base + ".partitions-closed");
        commitLatency = registry.timer(base + ".commit-latency");
    }
}
