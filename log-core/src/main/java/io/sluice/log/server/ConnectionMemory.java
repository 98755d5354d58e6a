package io.sluice.log.server;

/**
 * One connection's share of the {@link RequestMemoryPool}: the bytes of its requests received and not yet
 * handled. Beyond the pool's own bound, a connection holds at most {@code perConnection} bytes unless it
 * holds nothing (so that a request of the largest size always fits on its own). Event-loop thread only,
 * except the pool's call back, which {@code retry} hands to the event loop.
 */
final class ConnectionMemory {
    private final RequestMemoryPool pool;
    private final long perConnection;
    private long held;
    private Runnable waiting;
    private boolean closed;

    ConnectionMemory(RequestMemoryPool pool, long perConnection) {
        this.pool = pool;
        this.perConnection = perConnection;
    }

    /**
     * Takes {@code bytes} for a request being received; false when they do not fit now, and then
     * {@code retry} runs (on whatever thread frees memory) once trying again may succeed.
     */
    boolean tryTake(long bytes, Runnable retry) {
        if (closed) {
            return false;
        }
        if (held > 0 && held + bytes > perConnection) {
            waiting = retry; // this connection's own release calls it
            return false;
        }
        if (!pool.tryTake(bytes, retry)) {
            return false;
        }
        held += bytes;
        return true;
    }

    /** Gives back a handled (or discarded) request's bytes. */
    void give(long bytes) {
        if (bytes == 0 || closed) {
            return;
        }
        held -= bytes;
        pool.give(bytes);
        Runnable r = waiting;
        waiting = null;
        if (r != null) {
            r.run();
        }
    }

    /** The connection closed: everything it held goes back to the pool. Later gives are ignored. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        waiting = null;
        if (held > 0) {
            pool.give(held);
            held = 0;
        }
    }

    long held() {
        return held;
    }
}
