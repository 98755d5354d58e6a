package io.sluice.sink;

/**
 * A writer of one source partition of a table was fenced: a newer writer registered for it (a new attempt of the run,
 * or a run that took the table over), so this one may commit nothing more. Its commit that failed did not land, and
 * none of its files were moved into the table by it; whatever it committed before it was fenced, the newer writer
 * finishes. The writer that gets this stops; its run's newer attempt, if any, goes on.
 */
public class WriterFencedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WriterFencedException(String message) {
        super(message);
    }

    public WriterFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
