package io.sluice.pipeline;

import io.sluice.audit.AuditConfig;
import io.sluice.pipeline.internals.LogOffsets;
import io.sluice.pipeline.internals.TableSinks;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.TableSpec;
import io.sluice.sink.audit.SinkAuditPublisher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink tier of an {@link IngestionJob}: reads what each table being read has committed (its journal heads, with
 * the audit counted in each commit) and publishes it, with which partitions are caught up. Not thread-safe: the job
 * calls it under its lock.
 */
final class SinkAuditReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkAuditReporter.class);

    private final SluiceIngest ingest;
    private final AuditConfig audit;
    private final SinkAuditPublisher publisher;
    private final Set<String> bucketWarned = ConcurrentHashMap.newKeySet();

    SinkAuditReporter(SluiceIngest ingest, AuditConfig audit) {
        this.ingest = ingest;
        this.audit = audit;
        this.publisher = new SinkAuditPublisher(audit);
    }

    /**
     * Publishes the sink tier of every table of {@code reading}: its journal heads, and the partitions that hold
     * records but have committed nothing yet (they hold the topic PENDING).
     */
    void publish(LogOffsets log, Map<String, Integer> reading) {
        List<TopicPartition> partitions = LogOffsets.partitions(reading);
        long asOf = System.currentTimeMillis(); // before the end offsets: a journal at them has every earlier record
        Map<TopicPartition, Long> end = log.latest(partitions);
        Map<TopicPartition, Long> start = log.earliest(partitions);
        Map<String, TableSpec> specs = new TreeMap<>();
        Map<String, List<TopicPartition>> withRecords = new HashMap<>();
        for (TopicPartition tp : partitions) {
            TableSpec spec = ingest.tables().tableFor(tp.topic());
            specs.put(spec.name(), spec);
            List<TopicPartition> mine = withRecords.computeIfAbsent(spec.name(), k -> new ArrayList<>());
            if (end.getOrDefault(tp, 0L) > start.getOrDefault(tp, 0L)) {
                mine.add(tp);
            }
        }
        for (TableSpec spec : specs.values()) {
            if (spec.auditBucket().toMillis() != audit.buckets().widthMillis() && bucketWarned.add(spec.name())) {
                LOG.warn("table {} counts the audit in buckets of {} but the audit is configured with {} ms buckets:"
                        + " the tiers cannot be compared bucket by bucket", spec.name(), spec.auditBucket(),
                        audit.buckets().widthMillis());
            }
            Map<TopicPartition, JournalEntry> heads = new HashMap<>(TableSinks.sink(spec, ingest.hadoopConfiguration(),
                    ingest.schemaRegistryUrl(), ingest.commitHook()).heads());
            heads.keySet().retainAll(partitions);
            Map<TopicPartition, Long> caughtUp = new HashMap<>();
            heads.forEach((tp, head) -> {
                if (head.toOffset() + 1 >= end.getOrDefault(tp, Long.MAX_VALUE)) {
                    caughtUp.put(tp, asOf);
                }
            });
            publisher.publish(spec.name(), heads, withRecords.getOrDefault(spec.name(), List.of()), caughtUp);
        }
    }

    @Override
    public void close() {
        publisher.close();
    }
}
