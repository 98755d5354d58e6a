package io.sluice.pipeline;

import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fails a task inside a running job: throws from the commit step at chosen commits, after the files are written
 * (nothing recorded) or after the journal entry (committed, not renamed), so the runner fails the task and restores
 * it from its last checkpoint. The counters are static because the job's tasks run in this JVM on copies of the
 * hook; {@link #reset} before each test.
 */
final class FailingCommitHook implements CommitHook {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger FILES_WRITTEN = new AtomicInteger();
    static final AtomicInteger JOURNAL_WRITTEN = new AtomicInteger();
    /** Failures thrown so far. */
    static final AtomicInteger THROWN = new AtomicInteger();

    /** What the hook throws, so that logs tell an injected failure from a real one. */
    static final class InjectedTaskFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedTaskFailure(String message) {
            super(message);
        }
    }

    private final Set<Integer> failAfterFiles;
    private final Set<Integer> failAfterJournal;

    /**
     * @param failAfterFiles   the numbers (from 1, counted in this JVM) of the commits to fail after their files
     * @param failAfterJournal the numbers of the journal entries after which to fail
     */
    FailingCommitHook(Set<Integer> failAfterFiles, Set<Integer> failAfterJournal) {
        this.failAfterFiles = Set.copyOf(failAfterFiles);
        this.failAfterJournal = Set.copyOf(failAfterJournal);
    }

    static void reset() {
        FILES_WRITTEN.set(0);
        JOURNAL_WRITTEN.set(0);
        THROWN.set(0);
    }

    int planned() {
        return failAfterFiles.size() + failAfterJournal.size();
    }

    @Override
    public void afterFilesWritten(JournalEntry entry) {
        int n = FILES_WRITTEN.incrementAndGet();
        if (failAfterFiles.contains(n)) {
            fail("after writing the files of commit #" + n, entry);
        }
    }

    @Override
    public void afterJournalWritten(JournalEntry entry) {
        int n = JOURNAL_WRITTEN.incrementAndGet();
        if (failAfterJournal.contains(n)) {
            fail("after journal entry #" + n, entry);
        }
    }

    private static void fail(String when, JournalEntry entry) {
        THROWN.incrementAndGet();
        throw new InjectedTaskFailure("injected task failure " + when + ": " + entry.topic() + "-" + entry.partition()
                + " seq " + entry.seq() + " offsets " + entry.fromOffset() + ".." + entry.toOffset());
    }
}
