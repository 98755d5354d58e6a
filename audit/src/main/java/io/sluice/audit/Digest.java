package io.sluice.audit;

/**
 * An order-independent summary of a multiset of records: how many, and the wrapping sum and the xor of their
 * {@link RecordDigest}s. Two tiers that handled the same records have equal digests whatever the order;
 * a lost record lowers the count, a duplicated one raises it (and moves the sum but cancels in the xor),
 * and a changed one keeps the count but moves both sum and xor — three different signatures.
 */
public record Digest(long count, long sum, long xor) {
    public static final Digest EMPTY = new Digest(0, 0, 0);

    public Digest plus(long recordHash) {
        return new Digest(count + 1, sum + recordHash, xor ^ recordHash);
    }

    public Digest plus(Digest other) {
        return new Digest(count + other.count, sum + other.sum, xor ^ other.xor);
    }

    /** Same records as {@code other}: equal count, sum and xor. */
    public boolean sameRecordsAs(Digest other) {
        return equals(other);
    }

    /** Mutable counterpart for hot paths; not thread-safe. */
    public static final class Accumulator {
        private long count;
        private long sum;
        private long xor;

        public void add(long recordHash) {
            count++;
            sum += recordHash;
            xor ^= recordHash;
        }

        public void add(Digest d) {
            count += d.count;
            sum += d.sum;
            xor ^= d.xor;
        }

        public Digest snapshot() {
            return new Digest(count, sum, xor);
        }
    }
}
