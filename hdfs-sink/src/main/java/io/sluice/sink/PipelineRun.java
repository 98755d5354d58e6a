package io.sluice.sink;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/**
 * The pipeline run that owns a table's writers: every writer it registers carries its id, and a table is held by one
 * run at a time (see {@link TableClaim}). A run is one start of a pipeline (one {@code sluice pipeline run}, one
 * {@code IngestionJob}); the job's restarts on a topic change and Flink's failovers are new attempts of the same run.
 *
 * @param id       unique per run
 * @param pipeline the pipeline's name, for people
 * @param claimed  whether the run holds {@link TableClaim}s on its tables (an {@code IngestionJob} does). Writers of a
 *                 claimed run refuse to register on a table whose newest claim is another run's (it was taken over);
 *                 writers of an unclaimed run (a pipeline applied without the job, a test) register unless another
 *                 run holds a live claim. Either way writers fence each other per source partition.
 */
public record PipelineRun(String id, String pipeline, boolean claimed) implements Serializable {
    public PipelineRun {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pipeline, "pipeline");
        if (id.isBlank() || id.contains("/") || id.contains(".")) {
            throw new IllegalArgumentException("a run id must be non-blank, without '/' or '.': '" + id + "'");
        }
    }

    /** A new run of {@code pipeline} that holds claims. */
    public static PipelineRun claimed(String pipeline) {
        return new PipelineRun(newId(), pipeline, true);
    }

    /** A new run of {@code pipeline} that holds no claims. */
    public static PipelineRun unclaimed(String pipeline) {
        return new PipelineRun(newId(), pipeline, false);
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** The first characters of the id, enough to tell runs apart in a log line. */
    public String shortId() {
        return id.substring(0, Math.min(8, id.length()));
    }
}
