package io.sluice.pipeline.internals;

import io.sluice.sink.DeadLetter;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.SinkRecord;
import java.util.Objects;

/**
 * What the decode step hands the commit step for one source record: a row, a dead letter, or the mark that a
 * user transform filtered the record out (with its log timestamp and raw key+value digest, so the audit accounts
 * for it). Every kind carries its offset, so the commit that follows covers it and
 * the record is not read again after a restart.
 */
public final class SinkElement {
    public enum Kind { ROW, DEAD_LETTER, FILTERED }

    private final Kind kind;
    private final long offset;
    private final SinkRecord row;
    private final DeadLetter deadLetter;
    private final FilteredRecord filtered;

    private SinkElement(Kind kind, long offset, SinkRecord row, DeadLetter deadLetter, FilteredRecord filtered) {
        this.kind = kind;
        this.offset = offset;
        this.row = row;
        this.deadLetter = deadLetter;
        this.filtered = filtered;
    }

    public static SinkElement row(SinkRecord row) {
        return new SinkElement(Kind.ROW, row.offset(), row, null, null);
    }

    public static SinkElement deadLetter(DeadLetter deadLetter) {
        return new SinkElement(Kind.DEAD_LETTER, deadLetter.offset(), null, deadLetter, null);
    }

    /** A record the transform filtered out, with its log timestamp and raw key+value digest (for the audit). */
    public static SinkElement filtered(FilteredRecord f) {
        return new SinkElement(Kind.FILTERED, f.offset(), null, null, f);
    }

    /** A filtered mark without timestamp and digest (decoded from state written before the audit). */
    public static SinkElement filtered(long offset) {
        return filtered(FilteredRecord.unknown(offset));
    }

    public Kind kind() { return kind; }
    public long offset() { return offset; }

    public SinkRecord row() {
        if (kind != Kind.ROW) {
            throw new IllegalStateException("element at offset " + offset + " is a " + kind + ", not a row");
        }
        return row;
    }

    public FilteredRecord filtered() {
        if (kind != Kind.FILTERED) {
            throw new IllegalStateException("element at offset " + offset + " is a " + kind + ", not a filtered mark");
        }
        return filtered;
    }

    public DeadLetter deadLetter() {
        if (kind != Kind.DEAD_LETTER) {
            throw new IllegalStateException("element at offset " + offset + " is a " + kind + ", not a dead letter");
        }
        return deadLetter;
    }

    /** The bytes this element adds to a commit, for the maxFileBytes roll: the raw value (or rewritten body). */
    public long size() {
        return switch (kind) {
            case ROW -> row.bodyLength() + (row.rawKey() == null ? 0 : row.rawKey().length);
            case DEAD_LETTER -> (deadLetter.rawValue() == null ? 0 : deadLetter.rawValue().length)
                    + (deadLetter.rawKey() == null ? 0 : deadLetter.rawKey().length);
            case FILTERED -> 0;
        };
    }

    @Override
    public boolean equals(Object o) {
        // used by coder round-trip tests; the payloads compare by their text form and offsets
        return o instanceof SinkElement e && e.kind == kind && e.offset == offset
                && Objects.equals(String.valueOf(e.row), String.valueOf(row))
                && Objects.equals(String.valueOf(e.deadLetter), String.valueOf(deadLetter))
                && Objects.equals(e.filtered, filtered);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, offset);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ROW -> row.toString();
            case DEAD_LETTER -> deadLetter.toString();
            case FILTERED -> "filtered @" + offset;
        };
    }
}
