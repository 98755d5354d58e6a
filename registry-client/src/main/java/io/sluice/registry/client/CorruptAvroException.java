package io.sluice.registry.client;

/**
 * The Avro body does not decode with the writer's schema (an invalid union branch, enum symbol or length, or bytes
 * left over after the record).
 */
public final class CorruptAvroException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;
    private final int schemaId;

    public CorruptAvroException(int schemaId, String message, Throwable cause) {
        super(Reason.CORRUPT_AVRO, "Avro body written with schema id " + schemaId + " does not decode: " + message, cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
