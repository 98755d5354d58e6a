package io.sluice.pipeline.internals;

import io.sluice.sink.DeadLetter;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.OffsetGap;
import io.sluice.sink.SinkRecord;
import java.util.Objects;

/**
 * What the decode step hands the commit step for one source record: a row, a dead letter, or the mark that a
 * user transform filtered the record out (with its log timestamp and raw key+value digest, so the audit accounts
 * for it); or, for offsets the reader found deleted from the log, a gap. Every kind carries its offset and the first
 * offset it covers ({@code coversFrom}: the offset itself, or earlier when the reader stepped over a hole to reach
 * it), so the commit knows which offsets it holds whatever order elements arrive in.
 */
public final class SinkElement {
    public enum Kind { ROW, DEAD_LETTER, FILTERED, GAP }

    private final Kind kind;
    private final long offset;
    private final long coversFrom;
    private final SinkRecord row;
    private final DeadLetter deadLetter;
    private final FilteredRecord filtered;
    private final OffsetGap gap;
    private final boolean readStart;

    private SinkElement(Kind kind, long offset, long coversFrom, SinkRecord row, DeadLetter deadLetter,
                        FilteredRecord filtered, OffsetGap gap) {
        this(kind, offset, coversFrom, row, deadLetter, filtered, gap, false);
    }

    private SinkElement(Kind kind, long offset, long coversFrom, SinkRecord row, DeadLetter deadLetter,
                        FilteredRecord filtered, OffsetGap gap, boolean readStart) {
        if (coversFrom > offset || coversFrom < 0) {
            throw new IllegalArgumentException("an element at offset " + offset + " cannot cover from " + coversFrom);
        }
        this.kind = kind;
        this.offset = offset;
        this.coversFrom = coversFrom;
        this.row = row;
        this.deadLetter = deadLetter;
        this.filtered = filtered;
        this.gap = gap;
        this.readStart = readStart;
    }

    private SinkElement(Kind kind, long offset, SinkRecord row, DeadLetter deadLetter, FilteredRecord filtered) {
        this(kind, offset, offset, row, deadLetter, filtered, null);
    }

    /** Offsets the reader found deleted from the log (see {@link OffsetGap}). */
    public static SinkElement gap(OffsetGap g) {
        return new SinkElement(Kind.GAP, g.to(), g.from(), null, null, null, g);
    }

    /** This element, read right after offset {@code from - 1} (the offsets between were not in the log). */
    public SinkElement coveringFrom(long from) {
        return from == coversFrom ? this : new SinkElement(kind, offset, from, row, deadLetter, filtered, gap,
                readStart);
    }

    /** This element as the first one read since an assignment or a seek: reading started at {@link #coversFrom()}. */
    public SinkElement startingRead() {
        return readStart ? this : new SinkElement(kind, offset, coversFrom, row, deadLetter, filtered, gap, true);
    }

    /** Whether reading started (after an assignment or a seek) at this element's {@link #coversFrom()}. */
    public boolean startsRead() {
        return readStart;
    }

    /** The first offset this element covers: its own, or the first of a hole the reader stepped over to reach it. */
    public long coversFrom() {
        return coversFrom;
    }

    public OffsetGap gapRange() {
        if (kind != Kind.GAP) {
            throw new IllegalStateException("element at offset " + offset + " is a " + kind + ", not a gap");
        }
        return gap;
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
            case FILTERED, GAP -> 0;
        };
    }

    @Override
    public boolean equals(Object o) {
        // used by coder round-trip tests; the payloads compare by their text form and offsets
        return o instanceof SinkElement e && e.kind == kind && e.offset == offset && e.coversFrom == coversFrom
                && e.readStart == readStart
                && Objects.equals(e.gap, gap)
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
            case GAP -> "gap " + gap;
        } + (coversFrom < offset && kind != Kind.GAP ? " (covering from " + coversFrom + ")" : "");
    }
}
