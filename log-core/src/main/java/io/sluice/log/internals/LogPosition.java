package io.sluice.log.internals;

/**
 * A point in a partition's log: an offset together with the segment and byte position where it lies,
 * so that a reader can bound a segment read without a lookup. Immutable; published through volatile
 * fields as the log end and the high watermark.
 *
 * @param offset      the next offset after the point (exclusive)
 * @param segmentBase base offset of the segment holding the point
 * @param position    byte position in that segment just past the point
 */
public record LogPosition(long offset, long segmentBase, int position) {
}
