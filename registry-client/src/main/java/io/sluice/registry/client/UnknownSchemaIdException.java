package io.sluice.registry.client;

/** The payload names a schema id that the registry does not know (error code 40403). */
public final class UnknownSchemaIdException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;
    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, Throwable cause) {
        super(Reason.UNKNOWN_SCHEMA_ID, "Unknown schema id " + schemaId + ": the registry has no such schema", cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
