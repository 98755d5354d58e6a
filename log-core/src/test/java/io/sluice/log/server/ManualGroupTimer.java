package io.sluice.log.server;

import java.util.PriorityQueue;

/** A {@link GroupTimer} whose time moves only when the test says so; due tasks run in the test's thread. */
final class ManualGroupTimer implements GroupTimer {
    private static final class Task {
        final long due;
        final long seq;
        final Runnable run;
        boolean cancelled;

        Task(long due, long seq, Runnable run) {
            this.due = due;
            this.seq = seq;
            this.run = run;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000;
    private long seq;

    @Override
    public synchronized long nowMs() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(long delayMs, Runnable task) {
        Task t = new Task(now + Math.max(0, delayMs), seq++, task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves time forward by {@code ms}, running every task that falls due on the way, in order. */
    void advance(long ms) {
        long target;
        synchronized (this) {
            target = now + ms;
        }
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = t.due;
            }
            if (!t.cancelled) {
                t.run.run();
            }
        }
    }

    /** Runs the tasks due now (those scheduled with no delay). */
    void runDue() {
        advance(0);
    }
}
