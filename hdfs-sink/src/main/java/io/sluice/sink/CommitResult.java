package io.sluice.sink;

import java.util.Set;

/**
 * What one commit did. {@code entry} is null when there was nothing new to commit (every record was at
 * or below what the journal already holds).
 *
 * @param skipped           records handed in that the journal already covered (a replay), dropped
 * @param closedPartitions  partitions this commit marked {@code _SUCCESS}
 * @param latePartitions    already-closed partitions this commit wrote to
 * @param leftover          what was handed in past a break in coverage, for a later commit; null if nothing
 */
public record CommitResult(JournalEntry entry, long skipped, Set<String> closedPartitions, Set<String> latePartitions,
                           CommitBatch leftover) {
    public boolean committed() {
        return entry != null;
    }
}
