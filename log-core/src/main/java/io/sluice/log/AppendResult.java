package io.sluice.log;

/**
 * What an append assigned.
 *
 * @param firstOffset     offset of the first record written
 * @param lastOffset      offset of the last record written
 * @param logAppendTimeMs the time stamped on the batches for LogAppendTime topics, else -1
 * @param duplicate       true when an idempotent producer re-sent batches the log already holds; the
 *                        offsets are then those of the original append and nothing was written
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTimeMs, boolean duplicate) {
}
