package io.sluice.jobs;

/**
 * A command that cannot do what was asked; its message is printed as the one line of the error. A usage
 * error (the command line or a file it names is wrong, not the system) exits 2, anything else 1.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean usage;

    CliException(String message) {
        this(message, false);
    }

    private CliException(String message, boolean usage) {
        super(message);
        this.usage = usage;
    }

    /** The user's input is wrong: a bad configuration file, a path that cannot be what the option wants. */
    static CliException usage(String message) {
        return new CliException(message, true);
    }

    boolean isUsage() {
        return usage;
    }
}
