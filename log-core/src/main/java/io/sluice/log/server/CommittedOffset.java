package io.sluice.log.server;

import java.util.Objects;

/**
 * A committed offset of one partition for one group.
 *
 * @param offset            the next offset the group will read
 * @param leaderEpoch       leader epoch of the last record read, -1 if unknown
 * @param metadata          the client's string ("" if it sent none)
 * @param commitTimestampMs when it was committed (broker time)
 */
record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
    CommittedOffset {
        Objects.requireNonNull(metadata, "metadata");
    }
}
