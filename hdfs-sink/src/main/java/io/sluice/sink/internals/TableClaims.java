package io.sluice.sink.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.sink.ClaimHolder;
import io.sluice.sink.PipelineRun;
import io.sluice.sink.TableClaimedException;
import io.sluice.sink.WriterFencedException;
import io.sluice.sink.internals.NoReplaceRename.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which pipeline run holds a table: numbered claim files in {@code _sluice/claims/}, each taken put-if-absent, the
 * newest number being the holder. The holder renews its claim by touching the file's modification time; a claim is
 * live until it is released ({@code <n>.released}), its lease passes without a renewal, or its process is certainly
 * gone (same host, pid no longer running).
 *
 * <pre>
 *   _sluice/claims/00000000000000000003.json      {"run": "...", "pipeline": "...", "host": "...", "pid": 4242, ...}
 *   _sluice/claims/00000000000000000003.released  the run stopped cleanly
 * </pre>
 *
 * <p>A claim is advisory: it keeps a second run from starting on a held table (with one clear line naming the
 * holder) and makes the writers of a run that lost the table refuse to register. What keeps a paused or zombie writer
 * from committing is the fencing at the commit point ({@link SourceWriters}), which needs no clock. Thread-safe.
 */
public final class TableClaims {
    private static final Logger LOG = LoggerFactory.getLogger(TableClaims.class);
    private static final String SUFFIX = ".json";
    private static final String RELEASED = ".released";
    private static final int ATTEMPTS = 10;
    /** Claims kept behind the newest, for people. */
    private static final int KEEP = 10;
    /** How long a claim stays live without a renewal unless its holder says otherwise. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    private final SinkFileSystem sfs;
    private final Path dir;
    private final String table;

    public TableClaims(SinkFileSystem sfs, Path dir, String table) {
        this.sfs = sfs;
        this.dir = dir;
        this.table = table;
    }

    private static String name(long generation) {
        return String.format(Locale.ROOT, "%020d", generation);
    }

    /** The newest claim, or null if the table was never claimed. */
    public ClaimHolder newest() throws IOException {
        long best = -1;
        FileStatus bestStatus = null;
        boolean released = false;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (FileStatus s : sfs.list(dir)) {
            String n = s.getPath().getName();
            names.add(n);
            if (n.endsWith(SUFFIX) && !n.startsWith("_")) {
                try {
                    long g = Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
                    if (g > best) {
                        best = g;
                        bestStatus = s;
                    }
                } catch (NumberFormatException e) {
                    // not a claim
                }
            }
        }
        if (bestStatus == null) {
            return null;
        }
        released = names.contains(name(best) + RELEASED);
        byte[] content = sfs.readOrNull(bestStatus.getPath());
        if (content == null) {
            return newest(); // pruned between the listing and the read: list again
        }
        JsonNode n = Journal.JSON.readTree(content);
        return new ClaimHolder(best, n.path("run").asText(), n.path("pipeline").asText(), n.path("host").asText(),
                n.path("pid").asLong(-1), n.path("processStart").asLong(-1), n.path("since").asLong(),
                bestStatus.getModificationTime(), n.path("leaseMillis").asLong(DEFAULT_LEASE.toMillis()), released);
    }

    /** Whether {@code h} still holds the table at {@code now}: not released, renewed within its lease, not gone. */
    public static boolean isLive(ClaimHolder h, long now) {
        return !h.released() && now - h.renewedAt() < h.leaseMillis()
                && !HostProcess.certainlyGone(h.host(), h.pid(), h.processStart());
    }

    /**
     * Makes {@code run} the table's holder. Refused with {@link TableClaimedException} while another run holds a live
     * claim, unless {@code takeOver}; then the new claim supersedes it (its writers refuse to register from now on, and
     * those already registered are fenced by the new run's writers). {@code olderVersion} is asked, when the table has
     * never been claimed, whether a Sluice that does not take part in claims and fencing may be writing it (null:
     * no); that is refused too unless {@code takeOver}.
     */
    public ClaimHolder acquire(PipelineRun run, boolean takeOver, Duration lease, Supplier<String> olderVersion)
            throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ClaimHolder newest = newest();
            long now = System.currentTimeMillis();
            if (newest != null && newest.run().equals(run.id()) && !newest.released()) {
                return newest;
            }
            if (newest != null && isLive(newest, now) && !takeOver) {
                throw new TableClaimedException(table, newest, "table " + table + " is being written by "
                        + newest.describe() + " (alive " + Math.max(0, now - newest.renewedAt()) / 1000
                        + " s ago); stop that pipeline first, or start this one with --take-over to fence it");
            }
            if (newest == null && !takeOver) {
                String older = olderVersion.get();
                if (older != null) {
                    throw new TableClaimedException(table, null, "table " + table + ": " + older);
                }
            }
            long generation = newest == null ? 1 : newest.generation() + 1;
            if (write(run, generation, newest, lease)) {
                if (newest != null && isLive(newest, now)) {
                    LOG.warn("table {}: run {} of pipeline {} took the table over from {}", table, run.shortId(),
                            run.pipeline(), newest.describe());
                }
                prune(generation);
                return newest();
            }
        }
        throw new IOException("table " + table + ": could not take a claim in " + ATTEMPTS
                + " attempts; other runs keep claiming it at the same time");
    }

    private boolean write(PipelineRun run, long generation, ClaimHolder previous, Duration lease) throws IOException {
        ObjectNode node = Journal.JSON.createObjectNode();
        node.put("run", run.id());
        node.put("pipeline", run.pipeline());
        node.put("host", HostProcess.host());
        node.put("pid", HostProcess.pid());
        node.put("processStart", HostProcess.start());
        node.put("since", System.currentTimeMillis());
        node.put("leaseMillis", lease.toMillis());
        if (previous != null) {
            node.put("supersedes", previous.generation());
        }
        Path draft = new Path(dir, "_draft." + UUID.randomUUID());
        FSDataOutputStream out = sfs.create(draft);
        out.write(Journal.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
        sfs.syncAndClose(out);
        Path claim = new Path(dir, name(generation) + SUFFIX);
        Outcome o = sfs.renameNoReplace(draft, claim);
        if (o != Outcome.DONE) {
            sfs.deleteIfExists(draft);
            return false;
        }
        sfs.fs().setTimes(claim, System.currentTimeMillis(), -1); // renewals are in this clock too
        return true;
    }

    /**
     * Says that {@code mine} is alive. False, and nothing touched, if a newer claim superseded it (the table was taken
     * over).
     */
    public boolean renew(ClaimHolder mine) throws IOException {
        ClaimHolder newest = newest();
        if (newest == null || newest.generation() != mine.generation()) {
            return false;
        }
        sfs.fs().setTimes(new Path(dir, name(mine.generation()) + SUFFIX), System.currentTimeMillis(), -1);
        return true;
    }

    /** Lets go of {@code mine}: the next run takes the table at once. */
    public void release(ClaimHolder mine) throws IOException {
        sfs.createMarker(new Path(dir, name(mine.generation()) + RELEASED));
    }

    /**
     * Refuses a writer of {@code run} on a table that another run holds: a claimed run whose claim is no longer the
     * newest was taken over ({@link WriterFencedException}); an unclaimed run may not write beside a live holder
     * ({@link TableClaimedException}).
     */
    public void checkWriter(PipelineRun run) throws IOException {
        ClaimHolder newest = newest();
        if (newest == null || newest.run().equals(run.id())) {
            return;
        }
        if (run.claimed()) {
            throw new WriterFencedException("table " + table + " was taken over by " + newest.describe()
                    + "; writers of run " + run.shortId() + " (pipeline " + run.pipeline() + ") may not register");
        }
        if (isLive(newest, System.currentTimeMillis())) {
            throw new TableClaimedException(table, newest, "table " + table + " is being written by "
                    + newest.describe() + "; a pipeline run without a claim may not write beside it");
        }
    }

    private void prune(long newest) {
        try {
            for (FileStatus s : sfs.list(dir)) {
                String n = s.getPath().getName();
                int dot = n.indexOf('.');
                if (dot <= 0 || n.startsWith("_")) {
                    continue;
                }
                try {
                    if (Long.parseLong(n.substring(0, dot)) < newest - KEEP) {
                        sfs.deleteIfExists(s.getPath());
                    }
                } catch (NumberFormatException e) {
                    // not a claim
                }
            }
        } catch (IOException e) {
            LOG.debug("table {}: pruning old claims failed; next time", table, e);
        }
    }
}
