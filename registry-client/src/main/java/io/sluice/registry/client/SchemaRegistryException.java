package io.sluice.registry.client;

/**
 * A schema-registry call failed. {@link #status()} is the HTTP status (or {@link #NO_RESPONSE} when the registry
 * could not be reached) and {@link #errorCode()} the registry's {@code error_code} (for example 40401 subject not
 * found, 40403 schema not found, 409 incompatible, 42201 invalid schema), or {@link #NO_RESPONSE} when the
 * response carried none.
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int NO_RESPONSE = -1;
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        this(status, errorCode, message, null);
    }

    public SchemaRegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message + " (HTTP status " + status + ", error_code " + errorCode + ")", cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True when the registry answered that the schema id, or the schema within the subject, does not exist. */
    public boolean isSchemaNotFound() {
        return errorCode == SCHEMA_NOT_FOUND;
    }

    public boolean isSubjectNotFound() {
        return errorCode == SUBJECT_NOT_FOUND;
    }
}
