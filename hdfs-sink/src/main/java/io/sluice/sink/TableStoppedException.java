package io.sluice.sink;

/**
 * A table refused to go on: a writer schema its history cannot take, or a gap between what it has
 * committed and what the log still holds. The reason is also kept in the table's {@code _sluice/STOPPED}
 * file, so the table stays stopped across restarts until a person removes that file; other tables are not
 * affected.
 */
public class TableStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String table;

    public TableStoppedException(String table, String reason) {
        super("table " + table + " is stopped: " + reason);
        this.table = table;
    }

    public String table() { return table; }
}
