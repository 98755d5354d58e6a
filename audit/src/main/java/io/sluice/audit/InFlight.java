package io.sluice.audit;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A producer's records between send and acknowledgement, to tell when it has nothing in flight: then every record
 * it was given before that moment is counted, and its partitions are caught up (see
 * {@link AuditCounter#caughtUp}). The sending threads add to one count and the producer's I/O thread to the other;
 * the two sit 128 bytes apart in one array so that they never share a cache line (two small objects allocated
 * together would, and every send would then invalidate the I/O thread's line).
 */
final class InFlight {
    private static final int SENT = 0;
    private static final int SETTLED = 16;
    private final AtomicLongArray counts = new AtomicLongArray(SETTLED + 16);

    /** A record was handed to the producer. */
    void sent() {
        counts.getAndIncrement(SENT);
    }

    /** A record's send completed, acknowledged or failed (failed ones are not counted, but no longer pending). */
    void settled() {
        counts.getAndIncrement(SETTLED);
    }

    /**
     * Whether every record sent before this call had settled when it returned. Settled is read before sent: both only
     * rise, so settled(t1) >= sent(t2) with t1 < t2 means nothing was pending at t1.
     */
    boolean idle() {
        long s = counts.get(SETTLED);
        return s >= counts.get(SENT);
    }
}
