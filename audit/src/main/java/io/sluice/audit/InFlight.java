package io.sluice.audit;

import java.util.concurrent.atomic.LongAdder;

/**
 * A producer's records between send and acknowledgement, to tell when it has nothing in flight: then every record
 * it was given before that moment is counted, and its partitions are caught up (see
 * {@link AuditCounter#caughtUp}). Two adders rather than one counter: each send and each acknowledgement is one
 * uncontended add on the hot path.
 */
final class InFlight {
    private final LongAdder sent = new LongAdder();
    private final LongAdder settled = new LongAdder();

    /** A record was handed to the producer. */
    void sent() {
        sent.increment();
    }

    /** A record's send completed, acknowledged or failed (failed ones are not counted, but no longer pending). */
    void settled() {
        settled.increment();
    }

    /**
     * Whether every record sent before this call had settled when it returned. Settled is read before sent: both only
     * rise, so settled(t1) >= sent(t2) with t1 < t2 means nothing was pending at t1.
     */
    boolean idle() {
        long s = settled.sum();
        return s >= sent.sum();
    }
}
