package io.sluice.log;

/** A read below the log start offset or above the high watermark. */
public final class OffsetOutOfRangeException extends LogException {
    private static final long serialVersionUID = 1L;
    private final long requested;
    private final long logStartOffset;
    private final long highWatermark;

    public OffsetOutOfRangeException(String topic, int partition, long requested, long logStartOffset, long highWatermark) {
        super(topic, partition, "offset " + requested + " is out of range for " + where(topic, partition)
                + ": readable offsets are [" + logStartOffset + ", " + highWatermark + "]");
        this.requested = requested;
        this.logStartOffset = logStartOffset;
        this.highWatermark = highWatermark;
    }

    public long requested() {
        return requested;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long highWatermark() {
        return highWatermark;
    }
}
