package io.sluice.sink;

import java.io.Serializable;

/**
 * A record a transform filtered out: not written anywhere, but its offset is covered by the commit and the audit
 * accounts for it, in the bucket of its log timestamp with the {@link io.sluice.audit.RecordDigest} of its raw key
 * and value (so that committed + dead-lettered + filtered add up to what the log holds, digests included).
 *
 * @param timestamp the timestamp stored in the log, or {@link #UNKNOWN} when the caller did not say (the record is
 *                  then counted in {@link JournalEntry.AuditState#unattributed()}, in no bucket)
 * @param digest    {@code RecordDigest.of(rawKey, rawValue)}
 */
public record FilteredRecord(long offset, long timestamp, long digest) implements Serializable {
    public static final long UNKNOWN = Long.MIN_VALUE;

    /** A filtered record whose timestamp and bytes the caller no longer has. */
    public static FilteredRecord unknown(long offset) {
        return new FilteredRecord(offset, UNKNOWN, 0);
    }

    public boolean known() {
        return timestamp != UNKNOWN;
    }
}
