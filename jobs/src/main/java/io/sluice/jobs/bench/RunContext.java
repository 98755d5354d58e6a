package io.sluice.jobs.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import org.apache.hadoop.conf.Configuration;

/**
 * What a {@link BenchCase} run gets.
 *
 * @param bootstrap       the log's bootstrap address
 * @param registryUrl     the schema registry's base URL
 * @param topic           the topic to ingest (read from the earliest offset)
 * @param tableRoot       a fresh, empty table root for this run
 * @param hadoop          the configuration of the table root's FileSystem
 * @param commitInterval  the commit interval both cases use
 * @param endOffsets      per partition, the offset to ingest up to (exclusive); completes before the run in
 *                        throughput mode, when the producer is done in latency mode
 * @param latency         produce-to-committed latency in ms, or null when not measured; only the case's own
 *                        thread records into it
 * @param ready           to be called once the case is about to read
 */
public record RunContext(String bootstrap, String registryUrl, String topic, URI tableRoot, Configuration hadoop,
                         Duration commitInterval, CompletableFuture<Map<Integer, Long>> endOffsets, Histogram latency,
                         Runnable ready) {
    public RunContext {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(tableRoot, "tableRoot");
        Objects.requireNonNull(hadoop, "hadoop");
        Objects.requireNonNull(commitInterval, "commitInterval");
        Objects.requireNonNull(endOffsets, "endOffsets");
        Objects.requireNonNull(ready, "ready");
    }
}
