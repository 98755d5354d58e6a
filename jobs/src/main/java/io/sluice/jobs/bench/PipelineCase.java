package io.sluice.jobs.bench;

/**
 * The Sluice ingestion pipeline on embedded Flink ({@code --flinkMaster=[local]}) writing the same table as
 * {@link PlainLoopCase}, with the same commit interval.
 *
 * <p>TODO(issue 5): fill in once {@code io.sluice.pipeline.SluiceIngest} and {@code IngestionJob} exist:
 * launch the pipeline for {@code ctx.topic()} into {@code ctx.tableRoot()} (HOURLY, UTC, snappy, metadata field
 * on, {@code ctx.commitInterval()}), call {@code ctx.ready()} when the job is running, stop it once the table's
 * journal heads cover {@code ctx.endOffsets()}, and report rows and bytes from the journal. For
 * {@code ctx.latency()}, record per committed row {@code journalEntry.committedAt - row._sluice.timestamp}
 * (reading the committed files, after the run, is fine). Measure {@code elapsed} the same way as the plain loop
 * (first record in hand to last commit), and {@code startup} separately.
 */
public final class PipelineCase implements BenchCase {
    public static final String ID = "pipeline";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public RunResult run(RunContext ctx) {
        throw new UnsupportedOperationException("pipeline case lands with io.sluice.pipeline.IngestionJob");
    }
}
