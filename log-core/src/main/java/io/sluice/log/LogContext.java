package io.sluice.log;

import io.sluice.log.internals.FileIO;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.utils.Time;

/**
 * What every partition of a {@link LogManager} shares: the file seam, the clock, the flusher threads
 * (fsyncs only, so that a long compaction never delays an acknowledgement) and the maintenance thread
 * (retention, compaction, delayed deletes, checkpoints).
 */
record LogContext(FileIO io, Time time, ScheduledExecutorService flushExecutor,
                  ScheduledExecutorService maintenanceExecutor) {
}
