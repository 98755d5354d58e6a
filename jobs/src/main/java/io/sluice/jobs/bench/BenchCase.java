package io.sluice.jobs.bench;

/**
 * One way of ingesting the benchmark's topic into a table, measured by {@link IngestBench}. A case is run many
 * times, each time into a fresh table root, and must leave nothing running when {@link #run} returns.
 */
public interface BenchCase {
    /** Short name for the table and for {@code --cases}, e.g. {@code plain-loop}. */
    String id();

    /**
     * Ingests {@code ctx.topic()} into {@code ctx.tableRoot()} until everything below
     * {@code ctx.endOffsets()} (which may complete only while this runs) is committed, then returns.
     * If {@code ctx.latency()} is not null, records for every committed row the time from its log timestamp
     * (the produce time in latency mode) to the moment the row became visible in the table, in milliseconds.
     * Calls {@code ctx.ready()} once it is about to read, so that a latency producer starts only then.
     */
    RunResult run(RunContext ctx) throws Exception;
}
