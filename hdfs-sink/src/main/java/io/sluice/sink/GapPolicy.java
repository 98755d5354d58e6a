package io.sluice.sink;

/**
 * What a table does when offsets it has not committed were deleted from the log before they were read (retention
 * passed a pipeline that fell behind, or a restore from a checkpoint older than the log's start).
 */
public enum GapPolicy {
    /**
     * Stop the table (in {@code _sluice/STOPPED}) with the exact missing range; what came before the gap is
     * committed, nothing after it. The default: a person decides (restore the data, or accept the loss by restarting
     * with {@link #RECORD}).
     */
    STOP,
    /**
     * Record the gap in the journal entry that covers it and go on: the offsets count as lost, the audit's sink tier
     * does not have them, so the report shows those records missing between the log and the sink.
     */
    RECORD
}
