package io.sluice.sink;

import io.sluice.sink.CommitBatch.Item;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides what one commit covers, from what the journal holds and what a writer consumed; no I/O. The range starts
 * where the journal stands ({@code next}) and runs as far as the items' coverages chain without a break: an item
 * that covers from {@code c} continues the range when {@code c <= cursor}. Offsets between the cursor and an item's
 * own offset are holes the log did not hold. An item after a break waits for a later commit (it is never skipped
 * over, so an element that arrives late is not lost); an item below {@code next} is a replay.
 *
 * <p>A gap (offsets the log lost before they were read) ends the range before it when the table's policy is
 * {@link GapPolicy#STOP}, and always when the log was truncated; with {@link GapPolicy#RECORD} it is part of the range,
 * recorded as lost. A gap wholly below {@code next} is a restore the journal already covers, not a gap.
 */
final class CommitPlanner {
    private CommitPlanner() {}

    /**
     * The decision.
     *
     * @param from         first offset covered; {@code to < from} when there is nothing to commit
     * @param stop         a gap that stops the table after this range (null: none)
     * @param replays      items below the journal's next offset
     * @param duplicates   second items of one offset (a runner replaying a bundle), dropped
     * @param leftover     items past a break in coverage: for a later commit
     */
    record Plan(long from, long to, List<SinkRecord> rows, List<DeadLetter> deadLetters, List<FilteredRecord> filtered,
                long unattributedFiltered, List<OffsetGap> gaps, long holeOffsets, List<OffsetRange> holes,
                List<Item> replays, long duplicates, List<Item> leftover, OffsetGap stop) {
        boolean commits() {
            return to >= from;
        }

        long skipped() {
            return replays.size() + duplicates;
        }
    }

    static Plan plan(long next, CommitBatch batch, GapPolicy policy) {
        List<Item> sorted = new ArrayList<>(batch.items());
        sorted.sort(Comparator.comparingLong(Item::offset));
        List<Item> unique = new ArrayList<>(sorted.size());
        long duplicates = 0;
        long last = Long.MIN_VALUE;
        for (Item i : sorted) {
            if (i.offset() == last) {
                duplicates++; // keep the first of two copies of one offset
                continue;
            }
            unique.add(i);
            last = i.offset();
        }
        OffsetGap truncated = null;
        List<Item> replays = new ArrayList<>();
        List<Item> rest = new ArrayList<>(unique.size());
        for (Item i : unique) {
            if (i.payload() instanceof OffsetGap g && g.reason() == OffsetGap.Reason.TRUNCATED) {
                truncated = g; // wherever it lies: what the journal holds is no longer what the log holds
            } else if (next >= 0 && i.offset() < next) {
                replays.add(i);
            } else {
                rest.add(i);
            }
        }
        Acc acc = new Acc();
        if (truncated != null) {
            return acc.plan(0, -1, replays, duplicates, rest, truncated);
        }
        return batch.vouchedThrough() >= 0
                ? vouched(next, rest, batch, replays, duplicates, acc)
                : chained(next, rest, batch, policy, replays, duplicates, acc);
    }

    private static Plan chained(long next, List<Item> rest, CommitBatch batch, GapPolicy policy,
                                List<Item> replays, long duplicates, Acc acc) {
        java.util.SortedSet<Long> readStarts = batch.readStarts();
        if (rest.isEmpty()) {
            return acc.plan(0, -1, replays, duplicates, List.of(), null);
        }
        if (next < 0 && readStarts.isEmpty() && batch.marksReadStarts()) {
            return acc.plan(0, -1, replays, duplicates, rest, null); // the first item read has not arrived yet
        }
        // a partition never committed starts where its reader started: an item that arrived early must not pass for
        // the first one read
        long start = next >= 0 ? next : readStarts.isEmpty() ? rest.get(0).coversFrom() : readStarts.first();
        if (next < 0) {
            while (!rest.isEmpty() && rest.get(0).offset() < start) {
                replays.add(rest.remove(0)); // read before where the reading started: not this read's
            }
        }
        long cursor = start;
        int taken = 0;
        OffsetGap stop = null;
        for (Item i : rest) {
            if (i.coversFrom() > cursor) {
                break; // offsets cursor..coversFrom-1 have not arrived yet
            }
            if (i.payload() instanceof OffsetGap g) {
                OffsetGap part = g.from(cursor);
                if (part == null) {
                    taken++;
                    continue;
                }
                if (policy == GapPolicy.STOP) {
                    stop = part;
                    break;
                }
                acc.gaps.add(part);
                cursor = part.to() + 1;
                taken++;
                continue;
            }
            if (i.offset() > cursor) {
                acc.hole(cursor, i.offset() - 1);
            }
            acc.add(i);
            cursor = i.offset() + 1;
            taken++;
        }
        return acc.plan(start, cursor - 1, replays, duplicates, rest.subList(taken, rest.size()), stop);
    }

    private static Plan vouched(long next, List<Item> rest, CommitBatch batch, List<Item> replays, long duplicates,
                                Acc acc) {
        long through = batch.vouchedThrough();
        long unattributed = batch.unattributedFiltered();
        for (Item i : rest) {
            if (i.offset() > through) {
                // it would be left out of this range and then never seen again (the next range starts after through)
                throw new IllegalArgumentException("a commit through offset " + through + " was handed " + i.payload()
                        + ", which is past it; the offset vouched for must be the highest one consumed");
            }
            if (i.payload() instanceof OffsetGap) {
                throw new IllegalArgumentException("a vouched commit takes no gaps: " + i.payload());
            }
        }
        if (through < next || (next < 0 && rest.isEmpty() && unattributed == 0)) {
            return acc.plan(0, -1, replays, duplicates, List.of(), null);
        }
        long start;
        if (next >= 0) {
            start = next;
        } else {
            // the first range: the committer is not told where the caller started, so it takes the lowest offset the
            // range is known to cover, earlier than the first item when the count of everything in it says so
            start = through + 1 - (rest.size() + unattributed);
            if (!rest.isEmpty()) {
                start = Math.min(start, rest.get(0).offset());
            }
            start = Math.max(0, start);
        }
        long cursor = start;
        for (Item i : rest) {
            if (unattributed == 0 && i.offset() > cursor) {
                acc.hole(cursor, i.offset() - 1);
            }
            acc.add(i);
            cursor = i.offset() + 1;
        }
        long span = through - start + 1;
        // records filtered out that the caller can only count may include replays below the journal: no more of
        // them belong to the range than it has offsets left
        unattributed = Math.min(unattributed, span - acc.count());
        acc.unattributed = unattributed;
        long known = acc.count() + unattributed;
        if (unattributed == 0 && cursor <= through) {
            acc.hole(cursor, through);
        }
        acc.holeOffsets = span - known; // exact even where the unattributed records leave the hole ranges unknown
        return acc.plan(start, through, replays, duplicates, List.of(), null);
    }

    /** What the range takes, by kind. */
    private static final class Acc {
        final List<SinkRecord> rows = new ArrayList<>();
        final List<DeadLetter> dead = new ArrayList<>();
        final List<FilteredRecord> filtered = new ArrayList<>();
        final List<OffsetGap> gaps = new ArrayList<>();
        final List<OffsetRange> holes = new ArrayList<>();
        long holeOffsets = -1;
        long listedHoleOffsets;
        long unattributed;

        void add(Item i) {
            Object p = i.payload();
            if (p instanceof SinkRecord r) {
                rows.add(r);
            } else if (p instanceof DeadLetter d) {
                dead.add(d);
            } else if (p instanceof FilteredRecord f) {
                filtered.add(f);
            } else {
                throw new IllegalArgumentException("not a consumed record: " + p);
            }
        }

        long count() {
            return rows.size() + dead.size() + filtered.size();
        }

        void hole(long from, long to) {
            listedHoleOffsets += to - from + 1;
            if (holes.size() < JournalEntry.MAX_HOLE_RANGES) {
                holes.add(new OffsetRange(from, to));
            }
        }

        Plan plan(long from, long to, List<Item> replays, long duplicates, List<Item> leftover, OffsetGap stop) {
            long h = holeOffsets >= 0 ? holeOffsets : listedHoleOffsets;
            return new Plan(from, to, rows, dead, filtered, unattributed, gaps, h, holes, replays, duplicates,
                    List.copyOf(leftover), stop);
        }
    }
}
