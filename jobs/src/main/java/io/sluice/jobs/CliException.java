package io.sluice.jobs;

/** A command that cannot do what was asked; its message is printed as the one line of the error. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }
}
