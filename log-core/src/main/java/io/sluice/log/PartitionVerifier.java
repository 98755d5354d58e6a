package io.sluice.log;

import io.sluice.log.internals.LogSegment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;

/**
 * Reads every batch of a partition and checks what opening the log does not (that would cost a full read
 * on every start): each batch's CRC, that offsets only grow, that the offset index leads to each batch, and
 * that each segment ends with a whole batch; the damage found when the partition was opened is reported too.
 * What {@code kafka-dump-log --deep-iteration} and HDFS's block scanner do. For a log no one writes to
 * ({@code sluice log verify} opens the data directory itself).
 */
public final class PartitionVerifier {
    /** Something wrong, at offsets {@code [from, to]} (inclusive; -1 where the offsets cannot be told). */
    public record Problem(long from, long to, String what) {
        @Override
        public String toString() {
            return (from < 0 ? "" : "offsets [" + from + ", " + to + "]: ") + what;
        }
    }

    /** What one partition held and what was wrong with it. */
    public record Result(String partition, long batches, long records, long bytes, List<Problem> problems) {
        public boolean sound() {
            return problems.isEmpty();
        }
    }

    private PartitionVerifier() {
    }

    public static Result verify(PartitionLog log) {
        String name = log.topic() + "-" + log.partition();
        List<Problem> problems = new ArrayList<>();
        for (DamagedRange d : log.damage()) {
            problems.add(new Problem(d.from(), d.to() - 1, "damaged since the log was opened: " + d.reason()));
        }
        long batches = 0;
        long records = 0;
        long bytes = 0;
        long expected = -1;
        for (LogSegment s : log.segmentsForVerification()) {
            String file = s.logPath().getFileName().toString();
            int end = 0;
            try {
                for (FileChannelRecordBatch b : s.records().batches()) {
                    end = b.position() + b.sizeInBytes();
                    batches++;
                    bytes += b.sizeInBytes();
                    if (b.baseOffset() < expected || b.lastOffset() < b.baseOffset()) {
                        problems.add(new Problem(b.baseOffset(), b.lastOffset(), file + " position " + b.position()
                                + ": offsets do not follow the previous batch's (expected at least " + expected + ")"));
                    }
                    try {
                        b.ensureValid();
                        records += b.lastOffset() - b.baseOffset() + 1;
                    } catch (CorruptRecordException | InvalidRecordException e) {
                        problems.add(new Problem(b.baseOffset(), b.lastOffset(), file + " position " + b.position()
                                + ": " + e.getMessage()));
                    }
                    FileRecords found = s.read(b.baseOffset(), 1, s.sizeInBytes());
                    int at = found == null ? -1 : found.batches().iterator().next().position();
                    if (at != b.position()) {
                        problems.add(new Problem(b.baseOffset(), b.lastOffset(), file + ": the offset index leads to "
                                + "position " + at + " for this batch at position " + b.position()
                                + " (rebuild the indexes: delete " + s.indexPath().getFileName() + " and restart)"));
                    }
                    expected = b.lastOffset() + 1;
                }
            } catch (CorruptRecordException e) {
                problems.add(new Problem(expected, -1, file + " after position " + end + ": " + e.getMessage()));
            } catch (IOException e) {
                problems.add(new Problem(-1, -1, file + ": cannot be read: " + e.getMessage()));
            }
            if (end < s.sizeInBytes() && problems.stream().noneMatch(p -> p.what().startsWith(file + " after"))) {
                problems.add(new Problem(-1, -1, file + " ends " + (s.sizeInBytes() - end)
                        + " bytes after its last whole batch (position " + end + ")"));
            }
        }
        return new Result(name, batches, records, bytes, List.copyOf(problems));
    }
}
