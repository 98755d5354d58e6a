package io.sluice.log.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes of requests being received or waiting to be handled, over all connections: Kafka's
 * {@code queued.max.request.bytes} pool. A connection takes a request's size as soon as its size prefix
 * arrives and gives it back once the request is handled; a connection that cannot take it stops reading
 * and is called back when memory is released, so bytes in flight can never exceed the pool, however many
 * clients announce large requests. Thread-safe.
 */
final class RequestMemoryPool {
    private final long capacity;
    private long used; // guarded by this
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by this

    RequestMemoryPool(long capacity) {
        this.capacity = capacity;
    }

    /** Takes {@code bytes} if they fit; otherwise remembers {@code onRelease} to be run once after a release. */
    synchronized boolean tryTake(long bytes, Runnable onRelease) {
        if (used + bytes <= capacity) {
            used += bytes;
            return true;
        }
        waiting.add(onRelease);
        return false;
    }

    /** Gives {@code bytes} back and calls every waiting connection back (each tries again). */
    void give(long bytes) {
        List<Runnable> wake;
        synchronized (this) {
            used -= bytes;
            if (used < 0) {
                throw new IllegalStateException("request memory released twice: " + used);
            }
            wake = new ArrayList<>(waiting);
            waiting.clear();
        }
        wake.forEach(Runnable::run);
    }

    synchronized long used() {
        return used;
    }

    long capacity() {
        return capacity;
    }
}
