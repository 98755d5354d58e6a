package io.sluice.log.server;

import io.sluice.log.AppendResult;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.TopicConfig;
import io.sluice.log.TopicDescription;
import io.sluice.log.TopicExistsException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed offsets of every group: in memory for reads, and durably in the compacted internal topic
 * {@code __consumer_offsets} (record format in {@link OffsetRecords}), written through
 * {@link PartitionLog#append}. A group's records all go to partition {@code abs(hash(group)) % partitions},
 * as in Kafka, one record batch per commit (so a commit is written whole or not at all).
 *
 * <p>A commit becomes visible to {@link #committed} only once its batch is durable (below the high
 * watermark), and its future completes then: the OffsetCommit is answered only for what a crash cannot
 * take back. Durable batches are applied in log order, so memory always matches what a replay of the
 * topic gives. Deleting a group writes a tombstone for each of its offsets. At start the store replays
 * the topic; the topic is created (cleanup.policy=compact) by the first write if it does not exist.
 *
 * <p>Thread-safe. Appends happen under the store's lock (short: the page cache), so log order is the
 * order of the calls; futures complete outside it, on the log's flusher thread or the caller's.
 */
final class OffsetStore {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);
    static final String TOPIC = Topic.GROUP_METADATA_TOPIC_NAME;
    private static final int READ_BYTES = 1024 * 1024;

    /** One offset written for a group, or deleted (value null). */
    private record Change(String group, TopicPartition partition, CommittedOffset value) {
    }

    /** A written batch waiting to become durable before it is applied. */
    private record Pending(List<Change> changes, CompletableFuture<Void> durable, CompletableFuture<Void> applied) {
    }

    private final LogManager log;
    private final int partitionsToCreate;
    private final Time time;
    private final Map<String, Map<TopicPartition, CommittedOffset>> committed = new HashMap<>();
    private final Map<Integer, ArrayDeque<Pending>> pending = new HashMap<>();

    /** Opens the store over {@code log}, replaying {@code __consumer_offsets} if it exists. */
    OffsetStore(LogManager log, int partitionsToCreate, Time time) {
        this.log = log;
        this.partitionsToCreate = partitionsToCreate;
        this.time = time;
        load();
    }

    private void load() {
        Optional<TopicDescription> topic = log.topic(TOPIC);
        if (topic.isEmpty()) {
            return;
        }
        long records = 0;
        for (PartitionLog p : log.partitions(TOPIC)) {
            long offset = p.logStartOffset();
            while (offset < p.highWatermark()) {
                ReadResult r = p.read(offset, READ_BYTES);
                long next = offset;
                for (RecordBatch batch : r.records().batches()) {
                    for (Record rec : batch) {
                        records++;
                        replay(rec);
                    }
                    next = batch.nextOffset();
                }
                if (next == offset) {
                    break;
                }
                offset = next;
            }
        }
        LOG.info("Loaded {} committed offsets of {} groups from {} ({} records)", committed.values().stream()
                .mapToInt(Map::size).sum(), committed.size(), TOPIC, records);
    }

    private void replay(Record rec) {
        if (!rec.hasKey()) {
            return;
        }
        OffsetRecords.Key key = OffsetRecords.readKey(rec.key());
        if (key == null) {
            return;
        }
        CommittedOffset value = rec.hasValue() ? OffsetRecords.readValue(rec.value()) : null;
        if (rec.hasValue() && value == null) {
            LOG.warn("Skipping an unreadable offset record of group {} for {} at offset {}", key.group(),
                    key.partition(), rec.offset());
            return;
        }
        apply(new Change(key.group(), key.partition(), value));
    }

    // ---------------------------------------------------------------- reads

    /** Every committed offset of {@code group} (a copy). */
    synchronized Map<TopicPartition, CommittedOffset> committed(String group) {
        Map<TopicPartition, CommittedOffset> offsets = committed.get(group);
        return offsets == null ? Map.of() : new LinkedHashMap<>(offsets);
    }

    /** The groups that have committed offsets. */
    synchronized Set<String> groups() {
        return new LinkedHashSet<>(committed.keySet());
    }

    /** Whether {@code group} has committed offsets, durable or being written. */
    synchronized boolean hasOffsets(String group) {
        if (committed.containsKey(group)) {
            return true;
        }
        for (ArrayDeque<Pending> q : pending.values()) {
            for (Pending p : q) {
                for (Change c : p.changes()) {
                    if (c.group().equals(group) && c.value() != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The partition of {@code __consumer_offsets} that holds {@code group}'s records. */
    int partitionFor(String group) {
        int partitions = log.topic(TOPIC).map(TopicDescription::partitions).orElse(partitionsToCreate);
        return Utils.abs(group.hashCode()) % partitions;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Writes {@code offsets} for {@code group} as one batch; the future completes once it is durable and
     * visible, or fails with the log's error (nothing of it is then visible).
     */
    CompletableFuture<Void> commit(String group, Map<TopicPartition, CommittedOffset> offsets) {
        if (offsets.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<Change> changes = new ArrayList<>(offsets.size());
        offsets.forEach((tp, o) -> changes.add(new Change(group, tp, o)));
        return write(partitionFor(group), changes);
    }

    /**
     * Deletes every offset of these groups with tombstones; completes (with the number of offsets deleted)
     * once the tombstones are durable.
     */
    CompletableFuture<Integer> deleteGroups(Collection<String> groups) {
        Map<Integer, List<Change>> byPartition = new HashMap<>();
        synchronized (this) {
            for (String group : groups) {
                Set<TopicPartition> keys = new LinkedHashSet<>(committed.getOrDefault(group, Map.of()).keySet());
                for (ArrayDeque<Pending> q : pending.values()) {
                    for (Pending p : q) {
                        p.changes().stream().filter(c -> c.group().equals(group)).forEach(c -> keys.add(c.partition()));
                    }
                }
                for (TopicPartition tp : keys) {
                    byPartition.computeIfAbsent(partitionFor(group), k -> new ArrayList<>()).add(new Change(group, tp, null));
                }
            }
        }
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        int[] count = {0};
        byPartition.forEach((p, changes) -> {
            count[0] += changes.size();
            writes.add(write(p, changes));
        });
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> count[0]);
    }

    /** Deletes these committed offsets of {@code group} with tombstones; completes once they are durable. */
    CompletableFuture<Void> deleteOffsets(String group, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<Change> changes = new ArrayList<>();
        partitions.forEach(tp -> changes.add(new Change(group, tp, null)));
        return write(partitionFor(group), changes);
    }

    private CompletableFuture<Void> write(int partition, List<Change> changes) {
        long now = time.milliseconds();
        Pending p;
        try {
            SimpleRecord[] records = new SimpleRecord[changes.size()];
            for (int i = 0; i < records.length; i++) {
                Change c = changes.get(i);
                records[i] = new SimpleRecord(now, OffsetRecords.key(c.group(), c.partition()),
                        c.value() == null ? null : OffsetRecords.value(c.value()));
            }
            synchronized (this) {
                PartitionLog target = partitionLog(partition);
                AppendResult r = target.append(MemoryRecords.withRecords(Compression.NONE, records));
                p = new Pending(changes, target.awaitDurable(r.lastOffset()), new CompletableFuture<>());
                pending.computeIfAbsent(partition, k -> new ArrayDeque<>()).add(p);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // nothing was written
        }
        p.durable().whenComplete((v, t) -> drain(partition));
        return p.applied();
    }

    /** Applies, in log order, every batch at the head of the partition's queue that has become durable. */
    private void drain(int partition) {
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            ArrayDeque<Pending> q = pending.get(partition);
            while (q != null && !q.isEmpty() && q.peek().durable().isDone()) {
                Pending p = q.poll();
                Throwable failure = p.durable().handle((v, t) -> t).join();
                if (failure == null) {
                    p.changes().forEach(this::apply);
                    completions.add(() -> p.applied().complete(null));
                } else {
                    completions.add(() -> p.applied().completeExceptionally(failure));
                }
            }
        }
        completions.forEach(Runnable::run);
    }

    private void apply(Change c) {
        if (c.value() == null) {
            Map<TopicPartition, CommittedOffset> offsets = committed.get(c.group());
            if (offsets != null) {
                offsets.remove(c.partition());
                if (offsets.isEmpty()) {
                    committed.remove(c.group());
                }
            }
        } else {
            committed.computeIfAbsent(c.group(), g -> new LinkedHashMap<>()).put(c.partition(), c.value());
        }
    }

    /** The partition log, creating the topic on first use. Under the lock. */
    private PartitionLog partitionLog(int partition) {
        if (log.topic(TOPIC).isEmpty()) {
            try {
                log.createTopic(TOPIC, partitionsToCreate, Map.of(
                        TopicConfig.CLEANUP_POLICY, "compact",
                        TopicConfig.SEGMENT_BYTES, Integer.toString(100 * 1024 * 1024)));
                LOG.info("Created internal topic {} ({} partitions, compacted)", TOPIC, partitionsToCreate);
            } catch (TopicExistsException e) {
                // created meanwhile
            }
        }
        return log.partition(TOPIC, partition);
    }
}
