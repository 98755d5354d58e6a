package io.sluice.sink;

import java.time.Instant;

/**
 * Who holds (or last held) a table: one claim of a pipeline run, as recorded in {@code _sluice/claims/}.
 *
 * @param generation   the claim's number; a newer claim (a take-over) has a higher one
 * @param run          the run's id
 * @param pipeline     the pipeline's name
 * @param host         the host the run's launcher runs on
 * @param pid          its process id
 * @param processStart when that process started (epoch ms; tells a reused pid apart), or -1 if unknown
 * @param since        when the claim was made (epoch ms)
 * @param renewedAt    when the holder last said it is alive (the claim file's modification time, epoch ms)
 * @param leaseMillis  how long the claim stays live without a renewal, as its holder set it
 * @param released     whether the run let go of it (a clean stop)
 */
public record ClaimHolder(long generation, String run, String pipeline, String host, long pid, long processStart,
                          long since, long renewedAt, long leaseMillis, boolean released) {

    /** "pipeline quickstart (run 3f2a9c1d) on host h1, process 4242, since 2026-12-08T10:00:00Z". */
    public String describe() {
        return "pipeline " + pipeline + " (run " + run.substring(0, Math.min(8, run.length())) + ") on host " + host
                + ", process " + pid + ", since " + Instant.ofEpochMilli(since);
    }
}
