package io.sluice.log;

/** The answer to a search by time: the first offset whose record timestamp is at or after the target. */
public record TimestampOffset(long timestamp, long offset) {
}
