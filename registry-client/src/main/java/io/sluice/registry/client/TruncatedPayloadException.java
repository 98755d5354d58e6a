package io.sluice.registry.client;

/**
 * The payload ends too early: shorter than the 5-byte header (magic byte and schema id), or the Avro body ends before
 * the writer's schema is fully read.
 */
public final class TruncatedPayloadException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;
    private final int length;

    public TruncatedPayloadException(String message, int length, Throwable cause) {
        super(Reason.TRUNCATED, message + " (payload length " + length + " bytes)", cause);
        this.length = length;
    }

    /** The length of the whole payload, header included. */
    public int length() {
        return length;
    }
}
