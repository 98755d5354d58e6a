package io.sluice.jobs.bench;

import java.time.Duration;

/**
 * What one {@link BenchCase} run did.
 *
 * @param records      rows committed to the table
 * @param inputBytes   key + value bytes consumed from the log
 * @param outputBytes  bytes of the committed data files
 * @param files        data files committed
 * @param startup      from the start of the run to the first record in hand (reported, not in the rate)
 * @param elapsed      from the first record in hand to the last commit done: the time base of the rates
 * @param committing   part of {@code elapsed} spent in commits (making files durable and visible), when known
 */
public record RunResult(long records, long inputBytes, long outputBytes, long files, Duration startup, Duration elapsed,
                        Duration committing) {
    public double recordsPerSecond() {
        return elapsed.isZero() ? 0 : records * 1e9 / elapsed.toNanos();
    }

    public double megabytesPerSecond() {
        return elapsed.isZero() ? 0 : inputBytes * 1e9 / elapsed.toNanos() / (1024.0 * 1024.0);
    }
}
