package io.sluice.sink;

import java.io.Serializable;

/** The offsets {@code from..to} of one source partition, both inclusive. */
public record OffsetRange(long from, long to) implements Serializable {
    public OffsetRange {
        if (from > to || from < 0) {
            throw new IllegalArgumentException("offset range " + from + ".." + to + " is empty or negative");
        }
    }

    public long size() {
        return to - from + 1;
    }

    public boolean contains(long offset) {
        return offset >= from && offset <= to;
    }

    @Override
    public String toString() {
        return from + ".." + to;
    }
}
