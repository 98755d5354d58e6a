package io.sluice.log;

import io.sluice.log.internals.FileIO;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Time;

/**
 * What every partition of a {@link LogManager} shares: the file seam, the clock, the flusher threads
 * (fsyncs only, so that a long compaction never delays an acknowledgement) and the maintenance thread
 * (retention, compaction, delayed deletes, checkpoints).
 *
 * <p>{@code highWatermarkListener} is told, on the flusher's thread, whenever a partition's high
 * watermark advances (the protocol server wakes long-polling fetches and acks=all produces with it).
 */
record LogContext(FileIO io, Time time, ScheduledExecutorService flushExecutor,
                  ScheduledExecutorService maintenanceExecutor,
                  AtomicReference<Consumer<PartitionLog>> highWatermarkListener) {
}
