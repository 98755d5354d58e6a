package io.sluice.audit;

/** Where along the flow a record is counted. Each tier counts exactly once what it really handled. */
public enum Tier {
    /** Records a producer had acknowledged by the log. */
    PRODUCER,
    /** Records that became durable in the log (at or below the high watermark). */
    LOG,
    /** Records the sink committed to a table (plus, separately, what it dead-lettered or a transform filtered). */
    SINK,
    /** Rows an independent re-read of the committed files found. */
    WAREHOUSE
}
