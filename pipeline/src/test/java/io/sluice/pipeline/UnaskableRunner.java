package io.sluice.pipeline;

import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;

/**
 * A runner whose pipelines run somewhere that cannot be asked how they are: {@code getState()} fails as Beam's Flink
 * runner fails when a remote JobManager is out of reach. Counts its runs; a cancel is heard.
 */
public final class UnaskableRunner extends PipelineRunner<PipelineResult> {
    static final AtomicInteger RUNS = new AtomicInteger();

    public static UnaskableRunner fromOptions(PipelineOptions options) {
        return new UnaskableRunner();
    }

    @Override
    public PipelineResult run(Pipeline pipeline) {
        RUNS.incrementAndGet();
        return new Unaskable();
    }

    static final class Unaskable implements PipelineResult {
        private volatile boolean cancelled;

        @Override
        public State getState() {
            if (cancelled) {
                return State.CANCELLED;
            }
            throw new RuntimeException("Fail to get flink job state",
                    new ConnectException("Connection refused: jobmanager/127.0.0.1:8081"));
        }

        @Override
        public State cancel() {
            cancelled = true;
            return State.CANCELLED;
        }

        @Override
        public State waitUntilFinish(Duration duration) {
            return getState();
        }

        @Override
        public State waitUntilFinish() {
            return getState();
        }

        @Override
        public MetricResults metrics() {
            throw new UnsupportedOperationException("no metrics from an unreachable runner");
        }
    }
}
