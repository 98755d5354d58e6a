package io.sluice.log.internals;

import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for the high watermark to pass an offset (acks=all). Thread-safe: appenders add,
 * the flusher completes.
 */
public final class DurabilityWaiters {
    private record Waiter(long offset, CompletableFuture<Void> future) {
    }

    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> Long.compare(a.offset, b.offset));

    /** Registers a future for {@code offset}; completes it at once if {@code highWatermark} already passed it. */
    public synchronized CompletableFuture<Void> await(long offset, long highWatermark) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (offset < highWatermark) {
            f.complete(null);
        } else {
            waiting.add(new Waiter(offset, f));
        }
        return f;
    }

    /** Completes every waiter below the new high watermark. */
    public void complete(long highWatermark) {
        while (true) {
            Waiter w;
            synchronized (this) {
                w = waiting.peek();
                if (w == null || w.offset >= highWatermark) {
                    return;
                }
                waiting.poll();
            }
            w.future.complete(null);
        }
    }

    /** Fails every waiter (the partition failed or closed before they became durable). */
    public void failAll(RuntimeException cause) {
        while (true) {
            Waiter w;
            synchronized (this) {
                w = waiting.poll();
            }
            if (w == null) {
                return;
            }
            w.future.completeExceptionally(cause);
        }
    }
}
