package io.sluice.registry;

/** A refused request: the Confluent error code, the HTTP status it maps to, and a message. */
public final class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int STORE_ERROR = 50001;

    private final int errorCode;
    private final int httpStatus;

    public RegistryException(int errorCode, String message) {
        this(errorCode, message, null);
    }

    public RegistryException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
        this.httpStatus = statusFor(errorCode);
    }

    static int statusFor(int errorCode) {
        if (errorCode < 1000) {
            return errorCode;
        }
        return errorCode / 100;
    }

    public int errorCode() {
        return errorCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    static RegistryException subjectNotFound(String subject) {
        return new RegistryException(SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryException versionNotFound(int version) {
        return new RegistryException(VERSION_NOT_FOUND, "Version " + version + " not found.");
    }
}
