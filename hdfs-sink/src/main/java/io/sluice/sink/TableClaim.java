package io.sluice.sink;

import io.sluice.sink.internals.TableClaims;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A pipeline run's hold on one table, from {@link TableSink#claim}: while it is live, another run is refused the table
 * (unless it takes it over), and the writers of a run that lost it refuse to register. The holder renews it well
 * within its lease and releases it when it stops; a holder that dies lets it lapse (at once if it ran on the same host
 * as the next claimant, which can see the process is gone).
 *
 * <p>What keeps a writer that was paused, or of a run that lost the table, from committing is not this claim but the
 * fencing at each commit point (see {@link PartitionCommitter}): the claim only says who should be writing.
 * Thread-safe.
 */
public final class TableClaim {
    private final TableClaims claims;
    private final String table;
    private final ClaimHolder holder;

    TableClaim(TableClaims claims, String table, ClaimHolder holder) {
        this.claims = claims;
        this.table = table;
        this.holder = holder;
    }

    public String table() {
        return table;
    }

    public ClaimHolder holder() {
        return holder;
    }

    /**
     * Says the holder is alive. False if a newer claim superseded this one (another run took the table over): the
     * holder should stop its pipeline; its writers are fenced by the new run's.
     */
    public boolean renew() {
        try {
            return claims.renew(holder);
        } catch (IOException e) {
            throw new UncheckedIOException("renewing the claim on table " + table + " failed", e);
        }
    }

    /** Lets go of the table: the next run may take it at once. */
    public void release() {
        try {
            claims.release(holder);
        } catch (IOException e) {
            throw new UncheckedIOException("releasing the claim on table " + table + " failed", e);
        }
    }

    /** The run that holds the table now (this claim's, unless it was taken over); null if none. */
    public ClaimHolder current() {
        try {
            return claims.newest();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the claims of table " + table + " failed", e);
        }
    }
}
