package io.sluice.sink;

/**
 * A pipeline run was refused a table that another live run holds (or took over from it). The message is one line
 * naming the table and the holder, and what to do.
 */
public class TableClaimedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String table;
    private final transient ClaimHolder holder;

    public TableClaimedException(String table, ClaimHolder holder, String message) {
        super(message);
        this.table = table;
        this.holder = holder;
    }

    public String table() {
        return table;
    }

    /** The run that holds the table; null if the refusal had another cause (an older Sluice writing it). */
    public ClaimHolder holder() {
        return holder;
    }
}
