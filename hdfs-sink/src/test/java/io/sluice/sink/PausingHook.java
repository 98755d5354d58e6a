package io.sluice.sink;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a commit at one of its two moments until the test lets it go, as a writer paused by a GC, a stalled disk or
 * a frozen VM would be held: the test can then act while the writer is between writing its files and its journal
 * entry, or between its journal entry and its renames.
 */
final class PausingHook implements CommitHook {
    private static final long serialVersionUID = 1L;

    enum Point { AFTER_FILES, AFTER_JOURNAL }

    private final Point point;
    private final transient CountDownLatch reached = new CountDownLatch(1);
    private final transient CountDownLatch release = new CountDownLatch(1);
    private volatile int skip;
    private volatile boolean armed = true;
    volatile JournalEntry held;

    PausingHook(Point point) {
        this(point, 0);
    }

    /** Holds the commit after {@code skip} commits went through. */
    PausingHook(Point point, int skip) {
        this.point = point;
        this.skip = skip;
    }

    @Override
    public void afterFilesWritten(JournalEntry entry) {
        pause(Point.AFTER_FILES, entry);
    }

    @Override
    public void afterJournalWritten(JournalEntry entry) {
        pause(Point.AFTER_JOURNAL, entry);
    }

    private void pause(Point at, JournalEntry entry) {
        if (at != point || !armed) {
            return;
        }
        if (skip > 0) {
            skip--;
            return;
        }
        armed = false;
        held = entry;
        reached.countDown();
        try {
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the paused commit go");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a commit is held. */
    JournalEntry awaitPaused() throws InterruptedException {
        if (!reached.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no commit reached " + point + " within 30 s");
        }
        return held;
    }

    void release() {
        release.countDown();
    }
}
