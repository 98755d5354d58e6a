package io.sluice.sink;

import java.util.ArrayList;
import java.util.List;

/**
 * What a writer hands a {@link PartitionCommitter}: what it consumed from one source partition, in any order and split
 * across batches however it likes. Each item carries its offset and the first offset it covers: a record read right
 * after offset {@code o - 1} covers only itself; one read after a hole (offsets the log did not hold: compaction,
 * transaction markers) covers the hole as well. The committer commits exactly the offsets these coverages chain into
 * from where its journal stands, and keeps the rest for a later batch, so a record that has not arrived yet is never
 * skipped over.
 *
 * <pre>{@code
 * CommitBatch b = CommitBatch.builder()
 *         .row(row100)                        // offset 100, read right after 99
 *         .row(row105, 101)                   // offset 105, read right after 100: 101..104 are holes
 *         .deadLetter(dead106)
 *         .gap(new OffsetGap(107, 199, OffsetGap.Reason.RETENTION))   // the reader found them deleted
 *         .readStartedAt(100)                 // where the reader started, for a partition never committed
 *         .build();
 * }</pre>
 *
 * A caller that read a partition sequentially and knows it may instead {@linkplain #vouched vouch} for a whole range.
 * Immutable.
 */
public final class CommitBatch {
    /** One consumed thing: a {@link SinkRecord}, {@link DeadLetter}, {@link FilteredRecord} or {@link OffsetGap}. */
    record Item(long offset, long coversFrom, Object payload) {
        Item {
            if (coversFrom > offset || coversFrom < 0) {
                throw new IllegalArgumentException("an item at offset " + offset + " cannot cover from " + coversFrom);
            }
        }
    }

    private final List<Item> items;
    private final long vouchedThrough;
    private final long unattributedFiltered;
    private final java.util.SortedSet<Long> readStarts;
    private final boolean marksReadStarts;

    private CommitBatch(List<Item> items, long vouchedThrough, long unattributedFiltered,
                        java.util.SortedSet<Long> readStarts, boolean marksReadStarts) {
        this.marksReadStarts = marksReadStarts;
        this.items = List.copyOf(items);
        this.vouchedThrough = vouchedThrough;
        this.unattributedFiltered = unattributedFiltered;
        this.readStarts = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(readStarts));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A batch whose caller vouches that it consumed every offset from where the journal stands up to and including
     * {@code through}: offsets in that range with no item are holes. For a source partition's first range the range
     * starts at the first item, or earlier by {@code unattributedFiltered} records filtered out whose offsets the
     * caller does not know.
     */
    public static CommitBatch vouched(List<SinkRecord> rows, List<DeadLetter> deadLetters, List<FilteredRecord> filtered,
                                      long unattributedFiltered, long through) {
        if (unattributedFiltered < 0) {
            throw new IllegalArgumentException("filtered must be zero or more, not " + unattributedFiltered);
        }
        Builder b = builder();
        rows.forEach(b::row);
        deadLetters.forEach(b::deadLetter);
        filtered.forEach(b::filtered);
        return new CommitBatch(b.items, through, unattributedFiltered, new java.util.TreeSet<>(), false);
    }

    List<Item> items() {
        return items;
    }

    /** The offset the caller vouches it consumed everything up to, or -1 when coverage comes from the items. */
    long vouchedThrough() {
        return vouchedThrough;
    }

    long unattributedFiltered() {
        return unattributedFiltered;
    }

    /** Positions a reader of the partition started reading at, as far as the items say (see {@link Builder#readStartedAt}). */
    public java.util.SortedSet<Long> readStarts() {
        return readStarts;
    }

    /** Whether its reader marks every start of reading (see {@link Builder#marksReadStarts}). */
    public boolean marksReadStarts() {
        return marksReadStarts;
    }

    public int size() {
        return items.size();
    }

    /** The offsets of the items (a gap by its last offset). */
    public java.util.Set<Long> offsets() {
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (Item i : items) {
            out.add(i.offset());
        }
        return out;
    }

    public static final class Builder {
        private final List<Item> items = new ArrayList<>();
        private final java.util.SortedSet<Long> readStarts = new java.util.TreeSet<>();
        private boolean marksReadStarts;

        private Builder() {}

        /**
         * Says the reader marks every position it starts reading at ({@link #readStartedAt}): for a partition never
         * committed, nothing is committed before that mark has arrived, since items may arrive in any order.
         */
        public Builder marksReadStarts() {
            this.marksReadStarts = true;
            return this;
        }

        /**
         * A reader started reading the partition at {@code position} (after an assignment or a seek). For a partition
         * never committed, the first range starts at the lowest such position, and nothing is committed until the
         * item read there has arrived; without any, it starts at the lowest item (for a caller that hands its items
         * in the order it read them).
         */
        public Builder readStartedAt(long position) {
            readStarts.add(position);
            return this;
        }

        public Builder row(SinkRecord r) {
            return row(r, r.offset());
        }

        /** A row read right after offset {@code coversFrom - 1}. */
        public Builder row(SinkRecord r, long coversFrom) {
            items.add(new Item(r.offset(), coversFrom, r));
            return this;
        }

        public Builder deadLetter(DeadLetter d) {
            return deadLetter(d, d.offset());
        }

        public Builder deadLetter(DeadLetter d, long coversFrom) {
            items.add(new Item(d.offset(), coversFrom, d));
            return this;
        }

        public Builder filtered(FilteredRecord f) {
            return filtered(f, f.offset());
        }

        public Builder filtered(FilteredRecord f, long coversFrom) {
            items.add(new Item(f.offset(), coversFrom, f));
            return this;
        }

        /** Offsets the reader found missing from the log; see {@link OffsetGap}. */
        public Builder gap(OffsetGap g) {
            items.add(new Item(g.to(), g.from(), g));
            return this;
        }

        public CommitBatch build() {
            return new CommitBatch(items, -1, 0, readStarts, marksReadStarts);
        }
    }
}
