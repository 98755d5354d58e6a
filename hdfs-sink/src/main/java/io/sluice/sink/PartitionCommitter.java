package io.sluice.sink;

import java.util.List;

/** SKELETON — implementation lands next. */
public final class PartitionCommitter {
    public String topic() { throw new UnsupportedOperationException(); }
    public int partition() { throw new UnsupportedOperationException(); }
    public long nextOffset() { throw new UnsupportedOperationException(); }
    public CommitResult commit(List<SinkRecord> rows, List<DeadLetter> deadLetters, long throughOffset, long filtered) {
        throw new UnsupportedOperationException();
    }
}
