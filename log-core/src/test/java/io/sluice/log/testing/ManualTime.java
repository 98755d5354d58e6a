package io.sluice.log.testing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Time;

/**
 * A clock that moves only when a test says so: {@link #advance} or {@link #sleep}. Thread-safe.
 * {@link #waitObject} never blocks for clock time: it waits (briefly, in real time) for the condition
 * and fails once the manual clock has reached the deadline.
 */
public final class ManualTime implements Time {
    private final AtomicLong nowMs;

    public ManualTime(long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    /** Starts at an arbitrary but fixed wall-clock-like instant (2023-11-14T22:13:20Z). */
    public ManualTime() {
        this(1_700_000_000_000L);
    }

    @Override
    public long milliseconds() {
        return nowMs.get();
    }

    @Override
    public long nanoseconds() {
        return TimeUnit.MILLISECONDS.toNanos(nowMs.get());
    }

    /** Sleeping advances the clock instead of waiting. */
    @Override
    public void sleep(long ms) {
        advance(ms);
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) throws InterruptedException {
        synchronized (obj) {
            while (!condition.get()) {
                if (milliseconds() >= deadlineMs) {
                    throw new TimeoutException("condition not met before the manual clock reached " + deadlineMs);
                }
                obj.wait(1);
            }
        }
    }

    /** Moves the clock forward by {@code ms} (not backwards). Returns the new time. */
    public long advance(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("the clock does not go backwards: " + ms);
        }
        return nowMs.addAndGet(ms);
    }

    @Override
    public String toString() {
        return "ManualTime(" + nowMs.get() + ")";
    }
}
