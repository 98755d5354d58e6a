package io.sluice.sink;

import java.io.Serializable;

/**
 * A test seam at the two moments a crash matters most. Production code passes {@link #NONE}; fault
 * tests pass a hook that throws or halts the process, to show that a commit cut short at either point
 * is finished or undone on the next start, never half applied.
 */
public interface CommitHook extends Serializable {
    CommitHook NONE = new CommitHook() {
        private static final long serialVersionUID = 1L;
    };

    /** Every file of the commit is written and synced under its temporary name; nothing is recorded yet. */
    default void afterFilesWritten(JournalEntry entry) {}

    /** The journal entry is durable (the commit point); no file has been renamed into place yet. */
    default void afterJournalWritten(JournalEntry entry) {}
}
