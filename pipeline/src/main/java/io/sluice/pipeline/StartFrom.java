package io.sluice.pipeline;

import java.util.Locale;

/**
 * Where a pipeline starts reading a source partition its table has never committed anything from. A partition
 * with a journal always resumes at the journal's next offset, whatever this says.
 */
public enum StartFrom {
    /** The log start offset: everything the log still holds is ingested (the default). */
    EARLIEST,
    /** The log end offset at the moment the partition is first read: only newer records are ingested. */
    LATEST;

    /** The consumer's {@code auto.offset.reset} value that has this effect. */
    public String autoOffsetReset() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StartFrom parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("start position '" + text + "' is not one of earliest, latest");
        }
    }
}
