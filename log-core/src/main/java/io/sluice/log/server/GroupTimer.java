package io.sluice.log.server;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock and the delayed tasks of the group coordinator (session, rebalance and sync timeouts). A seam
 * so that tests drive time by hand.
 */
interface GroupTimer {
    long nowMs();

    /** Runs {@code task} after {@code delayMs}, on a thread of the timer; the handle cancels it. */
    Cancellable schedule(long delayMs, Runnable task);

    interface Cancellable {
        void cancel();
    }

    /** Wall-clock time and one daemon thread; {@link #close()} stops it. */
    static SystemTimer system() {
        return new SystemTimer();
    }

    final class SystemTimer implements GroupTimer, AutoCloseable {
        private static final Logger LOG = LoggerFactory.getLogger(GroupTimer.class);
        private final ScheduledThreadPoolExecutor executor =
                new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("sluice-group-timer", true));

        private SystemTimer() {
            executor.setRemoveOnCancelPolicy(true);
        }

        @Override
        public long nowMs() {
            return System.currentTimeMillis();
        }

        @Override
        public Cancellable schedule(long delayMs, Runnable task) {
            try {
                ScheduledFuture<?> f = executor.schedule(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.error("Group coordinator task failed", e);
                    }
                }, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> { }; // shutting down
            }
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }
}
