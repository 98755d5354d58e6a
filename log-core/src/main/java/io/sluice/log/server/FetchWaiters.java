package io.sluice.log.server;

import io.sluice.log.PartitionLog;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Long-polling fetches waiting for data, by partition. When a partition's high watermark advances (told
 * by the log on a flusher thread) every fetch waiting on it is asked, on its own connection's event
 * loop, to try again. Thread-safe.
 */
final class FetchWaiters {
    /** A fetch that can re-evaluate itself. */
    interface Waiter {
        /** Called from any thread; the waiter moves to its own event loop. */
        void wake();
    }

    private final Map<TopicPartition, Set<Waiter>> waiting = new ConcurrentHashMap<>();
    private volatile boolean closed;

    void add(TopicPartition tp, Waiter w) {
        waiting.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(w);
    }

    void remove(TopicPartition tp, Waiter w) {
        Set<Waiter> set = waiting.get(tp);
        if (set != null) {
            set.remove(w);
        }
    }

    /**
     * The server is stopping: forget every waiter and wake none again. The log outlives the server and
     * keeps calling {@link #onHighWatermark}; a waiter's event loop may already be gone.
     */
    void close() {
        closed = true;
        waiting.clear();
    }

    /** Waiting registrations, one per fetch and partition (the fetch-waiters gauge). */
    int size() {
        int n = 0;
        for (Set<Waiter> set : waiting.values()) {
            n += set.size();
        }
        return n;
    }

    void onHighWatermark(PartitionLog log) {
        if (closed) {
            return;
        }
        Set<Waiter> set = waiting.get(new TopicPartition(log.topic(), log.partition()));
        if (set != null && !set.isEmpty()) {
            for (Waiter w : set.toArray(new Waiter[0])) {
                w.wake();
            }
        }
    }
}
