package io.sluice.jobs.bench;

import org.HdrHistogram.Histogram;

/** The reference: {@link PlainLoopIngest} with the run's settings. */
public final class PlainLoopCase implements BenchCase {
    public static final String ID = "plain-loop";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        PlainLoopIngest ingest = new PlainLoopIngest(PlainLoopIngest.Settings
                .of(ctx.bootstrap(), ctx.registryUrl(), ctx.topic(), ctx.tableRoot(), ctx.hadoop())
                .withCommitInterval(ctx.commitInterval()));
        ingest.onReady(ctx.ready());
        ctx.endOffsets().thenAccept(ingest::stopAt);
        Histogram latency = ctx.latency();
        if (latency != null) {
            ingest.onCommit((committedAt, timestamps, count) -> {
                for (int i = 0; i < count; i++) {
                    latency.recordValue(Math.min(latency.getHighestTrackableValue(), Math.max(0, committedAt - timestamps[i])));
                }
            });
        }
        PlainLoopIngest.Result r = ingest.run();
        return new RunResult(r.records(), r.inputBytes(), r.outputBytes(), r.files(), r.startup(), r.elapsed(), r.committing());
    }
}
