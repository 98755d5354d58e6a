package io.sluice.log;

import io.sluice.log.internals.LogSegment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Deletes whole segments from the head of a {@code cleanup.policy=delete} partition once they are older
 * than {@code retention.ms} (by their largest record timestamp, as Kafka does) or the partition is larger
 * than {@code retention.bytes}. The active segment is never deleted. Stateless.
 */
final class LogRetention {
    private LogRetention() {
    }

    /** Returns the number of segments deleted. */
    static int enforce(PartitionLog log, long nowMs) throws IOException {
        TopicConfig cfg = log.config();
        if (!cfg.delete()) {
            return 0;
        }
        log.maintenanceLock.lock();
        try {
            List<LogSegment> candidates = log.maintainableSegments();
            long excess = cfg.retentionBytes() < 0 ? Long.MIN_VALUE : log.sizeInBytes() - cfg.retentionBytes();
            List<LogSegment> victims = new ArrayList<>();
            String why = null;
            for (LogSegment s : candidates) {
                boolean expired = cfg.retentionMs() >= 0 && s.maxTimestamp() != RecordBatch.NO_TIMESTAMP
                        && s.maxTimestamp() < nowMs - cfg.retentionMs();
                boolean oversize = excess != Long.MIN_VALUE && excess - s.sizeInBytes() >= 0;
                if (!expired && !oversize) {
                    break;
                }
                victims.add(s);
                if (oversize) {
                    excess -= s.sizeInBytes();
                }
                why = expired ? "retention.ms=" + cfg.retentionMs() + " passed (largest timestamp " + s.maxTimestamp() + ")"
                        : "retention.bytes=" + cfg.retentionBytes() + " exceeded";
            }
            log.deleteOldestSegments(victims, why);
            return victims.size();
        } finally {
            log.maintenanceLock.unlock();
        }
    }
}
