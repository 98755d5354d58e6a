package io.sluice.log;

/**
 * Offsets {@code [from, to)} of a partition that the log once held and can no longer serve: a segment file
 * missing or cut short by hand or by the disk, or data below the recovery point that recovery had to cut.
 * Found when the partition is opened; reads at them fail (never skipped, never reported as out of range,
 * which clients answer by resetting past the hole), and new appends never reuse them.
 *
 * @param from   first damaged offset
 * @param to     first offset after the damage
 * @param reason what was found, with the file it was found in
 */
public record DamagedRange(long from, long to, String reason) {
    public boolean contains(long offset) {
        return offset >= from && offset < to;
    }

    @Override
    public String toString() {
        return "[" + from + ", " + to + "): " + reason;
    }
}
