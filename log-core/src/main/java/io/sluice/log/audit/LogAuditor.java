package io.sluice.log.audit;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditCounter;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.AuditPublisher;
import io.sluice.audit.BucketCounts;
import io.sluice.audit.Tier;
import io.sluice.log.LogManager;
import io.sluice.log.OffsetOutOfRangeException;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.TopicDescription;
import io.sluice.log.TopicExistsException;
import io.sluice.log.UnknownTopicOrPartitionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log tier of the audit: counts every record that became durable in the log (below the high watermark),
 * per topic and time bucket, with its {@link RecordDigest}, and publishes the cumulative counts to the audit
 * topic. It reads the partitions as a consumer would, on its own thread, so the append path does not change.
 *
 * <pre>
 *   try (LogAuditor auditor = LogAuditor.start(log, new LogAuditorConfig(AuditConfig.from(Map.of(
 *           "bootstrap.servers", "127.0.0.1:" + server.port())), LogAuditorConfig.instanceIdOf("c", 0)), metrics)) {
 *       ...
 *   }
 * </pre>
 *
 * <p>What is counted: every record of a data batch below the high watermark of every topic except the audit
 * topic itself and internal topics (names starting with {@code _}, such as {@code __consumer_offsets}), in the
 * bucket of the timestamp the log stores (the record's for CreateTime, the batch's for LogAppendTime). Its
 * latency is the time the auditor saw it minus that timestamp (so it is at most one scan interval later than
 * the time the record became durable). Records removed by retention before the auditor reached them are not
 * counted; they are logged and counted in {@value #SKIPPED}. A partition counted up to its high watermark is
 * reported caught up as of the scan, so an idle partition, or the end of a finished run, does not hold the log
 * tier's watermark back.
 *
 * <p>Restarts: each publish interval (and at close) the auditor first writes {@link AuditCheckpoint} — the
 * next offset to count in each partition together with the cumulative counts up to there — and only then
 * publishes, so nothing is published that a restart would not find again. A restart loads the checkpoint
 * and continues from its offsets under the same instance id, with sequence numbers above every earlier
 * message: the counts neither double nor drop. After a crash the records counted since the last checkpoint
 * are counted again from it, which rebuilds exactly the counts that were lost with the process.
 *
 * <p>Thread-safety: counting, checkpointing and publishing run under one lock, on the auditor's thread (or
 * a caller of {@link #scanNow}/{@link #publishNow}); the log is only read.
 */
public final class LogAuditor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogAuditor.class);
    /** Records counted since start (those restored from the checkpoint excluded). */
    public static final String COUNTED = "sluice.audit.log.records-counted";
    /** Records removed (retention, deleted segments) before the auditor counted them. */
    public static final String SKIPPED = "sluice.audit.log.records-skipped";
    /** Records below the high watermarks not yet counted, as of the last scan. */
    public static final String LAG = "sluice.audit.log.lag-records";
    /** The file in the log's data directory that holds the auditor's positions and counts. */
    public static final String CHECKPOINT_FILE = AuditCheckpoint.FILE;
    /** Checkpoints that could not be written (their counts were not published). */
    public static final String CHECKPOINT_FAILURES = "sluice.audit.log.checkpoint-failures";

    /** Bytes read per partition before moving to the next one, so that one busy partition does not starve the rest. */
    private static final int READ_BYTES = 1 << 20;
    private static final int READS_PER_VISIT = 16;

    private final LogManager log;
    private final LogAuditorConfig config;
    private final MetricRegistry metrics;
    private final LongSupplier clock;
    private final AuditCounter counter;
    private final AuditPublisher publisher;
    private final Counter counted;
    private final Counter skipped;
    private final Counter checkpointFailures;
    private final ScheduledExecutorService thread;
    private final Object lock = new Object();

    // guarded by lock
    private final Map<TopicPartition, AuditCheckpoint.Position> positions = new HashMap<>();
    private boolean dirty;
    private long lastPublishMs;
    private boolean closed;
    /** Set first by close: a long catch-up scan stops at the next partition. */
    private volatile boolean closing;
    private final BatchDigests staged = new BatchDigests();
    private ByteBuffer readBuffer = ByteBuffer.allocate(READ_BYTES);

    private volatile long lag;

    private LogAuditor(LogManager log, LogAuditorConfig config, MetricRegistry metrics, LongSupplier clock,
                       AuditCheckpoint restored) {
        this.log = log;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.counter = new AuditCounter(Tier.LOG, config.audit().buckets());
        long seqFloor = 0;
        if (restored != null) {
            seqFloor = restored.seqFloor();
            if (restored.counts().bucketMillis() != config.audit().buckets().widthMillis()) {
                LOG.warn("Audit checkpoint in {} has {} ms buckets, the audit is configured with {} ms: counting the "
                        + "log again from its start", log.dataDir(), restored.counts().bucketMillis(),
                        config.audit().buckets().widthMillis());
            } else {
                restored.counts().buckets().forEach(counter::restore);
                for (AuditMessage.PartitionProgress p : restored.counts().progress()) {
                    counter.advanced(p.partition().topic(), p.partition().partition(), p.highestOffset(),
                            p.highestTimestamp());
                }
                positions.putAll(restored.positions());
            }
        }
        // Above the stored floor, and above any message of a run whose checkpoint was lost: a recount then
        // supersedes what that run published (one message per publish interval never catches up with the clock).
        long lastSeq = Math.max(seqFloor, clock.getAsLong() * 1000);
        this.publisher = new AuditPublisher(counter, config.instanceId(), true, config.audit(), lastSeq, false);
        metrics.remove(COUNTED);
        metrics.remove(SKIPPED);
        metrics.remove(LAG);
        metrics.remove(CHECKPOINT_FAILURES);
        this.counted = metrics.counter(COUNTED);
        this.skipped = metrics.counter(SKIPPED);
        this.checkpointFailures = metrics.counter(CHECKPOINT_FAILURES);
        metrics.gauge(LAG, () -> () -> lag);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-log-auditor");
            t.setDaemon(true);
            return t;
        });
        this.lastPublishMs = clock.getAsLong();
    }

    /**
     * Loads the checkpoint of {@code log} (if any), creates the audit topic if it is missing and starts counting
     * and publishing in the background.
     */
    public static LogAuditor start(LogManager log, LogAuditorConfig config, MetricRegistry metrics) {
        return start(log, config, metrics, System::currentTimeMillis, true);
    }

    static LogAuditor start(LogManager log, LogAuditorConfig config, MetricRegistry metrics, LongSupplier clock,
                            boolean background) {
        AuditCheckpoint restored = null;
        try {
            restored = AuditCheckpoint.read(log.dataDir());
        } catch (IOException e) {
            LOG.warn("Audit checkpoint unusable ({}): counting the log again from its start", e.getMessage());
        }
        ensureTopic(log, config.audit().topic());
        LogAuditor a = new LogAuditor(log, config, metrics, clock, restored);
        if (restored != null) {
            LOG.info("Log audit {} continues from {} ({} partitions, {} buckets)", config.instanceId(),
                    log.dataDir().resolve(AuditCheckpoint.FILE), a.positions.size(), restored.counts().buckets().size());
        } else {
            LOG.info("Log audit {} starts counting the log in {}", config.instanceId(), log.dataDir());
        }
        if (background) {
            long every = config.scanInterval().toMillis();
            a.thread.scheduleWithFixedDelay(a::runQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        return a;
    }

    private static void ensureTopic(LogManager log, String topic) {
        if (log.topic(topic).isPresent()) {
            return;
        }
        try {
            log.createTopic(topic, 1, Map.of());
            LOG.info("Created the audit topic {}", topic);
        } catch (TopicExistsException e) {
            // created meanwhile (a producer's metadata request)
        }
    }

    public String instanceId() {
        return config.instanceId();
    }

    /** Whether records of {@code topic} are counted: not the audit topic, not internal ({@code _}-prefixed) topics. */
    public boolean audits(String topic) {
        return !topic.equals(config.audit().topic()) && !topic.startsWith("_");
    }

    /** The cumulative counts per (topic, bucket), restored ones included. */
    public List<BucketCounts> snapshot() {
        return counter.snapshot();
    }

    /** How far the tier has got in each partition. */
    public Map<TopicPartition, AuditCounter.Progress> progress() {
        return counter.progress();
    }

    /** The next offset to count in {@code tp}, if the auditor has visited it. */
    Long position(TopicPartition tp) {
        synchronized (lock) {
            AuditCheckpoint.Position p = positions.get(tp);
            return p == null ? null : p.nextOffset();
        }
    }

    private void runQuietly() {
        try {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                boolean more;
                do {
                    more = scanPass();
                    if (clock.getAsLong() - lastPublishMs >= config.audit().publishInterval().toMillis()) {
                        checkpointAndPublish(false);
                    }
                } while (more && !closing);
            }
        } catch (RuntimeException e) {
            LOG.warn("Log audit scan failed; retried in {}", config.scanInterval(), e);
        }
    }

    /** Counts everything below the current high watermarks; returns how many records it counted. */
    long scanNow() {
        synchronized (lock) {
            long before = counted.getCount();
            while (scanPass()) {
                // until every partition is caught up
            }
            return counted.getCount() - before;
        }
    }

    /**
     * Writes the checkpoint and then publishes the buckets that changed; returns the message, or null if nothing
     * changed or the checkpoint could not be written.
     */
    AuditMessage publishNow() {
        synchronized (lock) {
            return checkpointAndPublish(false);
        }
    }

    /** One visit to every audited partition; true if some partition still has records to count. Under lock. */
    private boolean scanPass() {
        boolean more = false;
        long behind = 0;
        Set<TopicPartition> present = new HashSet<>();
        for (TopicDescription t : log.topics()) {
            if (!audits(t.name())) {
                continue;
            }
            List<PartitionLog> partitions;
            try {
                partitions = log.partitions(t.name());
            } catch (UnknownTopicOrPartitionException e) {
                continue; // deleted meanwhile
            }
            for (PartitionLog p : partitions) {
                present.add(p.topicPartition());
                try {
                    more |= visit(p);
                } catch (UnknownTopicOrPartitionException e) {
                    continue;
                } catch (RuntimeException e) {
                    if (log.topic(t.name()).filter(d -> d.topicId().equals(p.topicId())).isPresent()) {
                        LOG.warn("Log audit of {}-{} failed at offset {}; retried at the next scan: {}", p.topic(),
                                p.partition(), position(p), e.toString());
                    }
                    continue;
                }
                behind += Math.max(0, p.highWatermark() - position(p));
            }
        }
        // a deleted topic's positions go; its counts stay (they were in the log)
        if (positions.keySet().retainAll(present)) {
            dirty = true;
        }
        lag = behind;
        return more;
    }

    private long position(PartitionLog p) {
        AuditCheckpoint.Position pos = positions.get(p.topicPartition());
        return pos == null ? 0 : pos.nextOffset();
    }

    /**
     * Counts up to {@link #READS_PER_VISIT} reads of {@code p} below its high watermark; true if more remain.
     * Each batch is counted whole or not at all, together with the position past it.
     */
    private boolean visit(PartitionLog p) {
        TopicPartition tp = p.topicPartition();
        String topicId = p.topicId().toString();
        AuditCheckpoint.Position pos = positions.get(tp);
        long next;
        if (pos == null || !pos.topicId().equals(topicId)) {
            // from offset 0, where every partition starts: whatever retention removed before the first visit is
            // reported as skipped below rather than silently left out
            next = 0;
            if (pos != null) {
                LOG.info("Log audit: {} was deleted and created again; counting the new one from offset {}", tp, next);
            }
            positions.put(tp, new AuditCheckpoint.Position(topicId, next));
            dirty = true;
        } else {
            next = pos.nextOffset();
        }
        for (int reads = 0; reads < READS_PER_VISIT; reads++) {
            long start = p.logStartOffset();
            if (next < start) {
                LOG.warn("Log audit: offsets [{}, {}) of {} were removed (retention) before the audit counted them; "
                        + "they are missing from the log tier's counts", next, start, tp);
                skipped.inc(start - next);
                next = start;
                positions.put(tp, new AuditCheckpoint.Position(topicId, next));
                dirty = true;
            }
            long asOf = clock.getAsLong(); // before the high watermark: what was durable then is below it
            if (next >= p.highWatermark()) {
                counter.caughtUp(tp.topic(), tp.partition(), asOf);
                return false;
            }
            ReadResult r;
            try {
                r = p.read(next, READ_BYTES);
            } catch (OffsetOutOfRangeException e) {
                continue; // the log start moved past next meanwhile: skipped above
            }
            if (r.isEmpty()) {
                return false;
            }
            long before = next;
            long now = clock.getAsLong();
            ByteBuffer bytes = inMemory(r.records());
            int at = 0;
            for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
                int batchAt = at;
                at += batch.sizeInBytes();
                if (batch.lastOffset() < next) {
                    continue;
                }
                if (!batch.isControlBatch()) {
                    countBatch(tp, batch, bytes, batchAt, next, now);
                }
                next = batch.lastOffset() + 1;
                positions.put(tp, new AuditCheckpoint.Position(topicId, next));
                dirty = true;
            }
            if (next == before) {
                return false;
            }
        }
        return next < p.highWatermark();
    }

    /**
     * The bytes of a read in one reused heap buffer: a region of a segment file is read once with a single
     * positional read, so that batches are then walked in memory instead of each being loaded on its own.
     */
    private ByteBuffer inMemory(Records records) {
        if (records instanceof MemoryRecords m) {
            return m.buffer();
        }
        FileRecords file = (FileRecords) records;
        int size = file.sizeInBytes();
        if (readBuffer.capacity() < size) {
            readBuffer = ByteBuffer.allocate(size);
        }
        readBuffer.clear();
        readBuffer.limit(size);
        try {
            file.readInto(readBuffer, 0); // flips it
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + size + " bytes of " + file.file() + " failed", e);
        }
        return readBuffer;
    }

    /** Counts the records of {@code batch} at or after {@code from}: all of them, or none if reading it fails. */
    private void countBatch(TopicPartition tp, RecordBatch batch, ByteBuffer bytes, int batchAt, long from, long now) {
        staged.stage(batch, bytes, batchAt, from);
        int n = staged.size();
        for (int i = 0; i < n; i++) {
            counter.record(tp.topic(), staged.timestamp(i), staged.hash(i), now);
        }
        if (n > 0) {
            counter.advanced(tp.topic(), tp.partition(), batch.lastOffset(), staged.maxTimestamp());
            counted.inc(n);
        }
    }

    /** Checkpoint first, then publish: what is published is always durable here. Under lock. */
    private AuditMessage checkpointAndPublish(boolean last) {
        lastPublishMs = clock.getAsLong();
        if (dirty || last) {
            try {
                checkpoint();
            } catch (IOException | RuntimeException e) {
                checkpointFailures.inc();
                LOG.warn("Writing the audit checkpoint in {} failed; the counts are published once it is written: {}",
                        log.dataDir(), e.toString());
                return null;
            }
        }
        return publisher.publish(last);
    }

    private void checkpoint() throws IOException {
        List<AuditMessage.PartitionProgress> progress = new ArrayList<>();
        counter.progress().forEach((tp, p) -> progress.add(p.toMessage(tp)));
        AuditMessage counts = new AuditMessage(config.instanceId(), Tier.LOG, publisher.lastSeq(),
                clock.getAsLong(), config.audit().buckets().widthMillis(), false, true, counter.snapshot(), progress);
        // the next message (seq lastSeq + 1) may go out before the following checkpoint: reserve it
        new AuditCheckpoint(publisher.lastSeq() + 1, Map.copyOf(positions), counts).write(log.fileIO(), log.dataDir());
        dirty = false;
    }

    /**
     * Stops the background thread, counts what became durable meanwhile, writes the checkpoint and publishes a
     * last message. Close it before the log (it reads it) and before the server it publishes through.
     */
    @Override
    public void close() {
        closing = true;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // never shutdownNow: an interrupt during a read would close the segment's FileChannel under the log
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            try {
                while (scanPass()) {
                    // count what became durable since the last scan
                }
                checkpoint();
            } catch (IOException | RuntimeException e) {
                checkpointFailures.inc();
                LOG.warn("Final audit checkpoint in {} failed; the next start recounts from the previous one: {}",
                        log.dataDir(), e.toString());
            }
        }
        publisher.close();
        removeMetrics();
        LOG.info("Log audit {} closed", config.instanceId());
    }

    /** As a crash would: stops counting without a checkpoint. For tests; the publisher still says goodbye. */
    void abort() {
        closing = true;
        synchronized (lock) {
            closed = true;
        }
        thread.shutdown();
        publisher.close();
        removeMetrics();
    }

    private void removeMetrics() {
        metrics.remove(COUNTED);
        metrics.remove(SKIPPED);
        metrics.remove(LAG);
        metrics.remove(CHECKPOINT_FAILURES);
    }
}
