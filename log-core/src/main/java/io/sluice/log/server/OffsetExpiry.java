package io.sluice.log.server;

import io.sluice.log.LogManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes committed offsets that nobody will read again, as Kafka does (KIP-211): those of a group that has
 * had no members for {@code offsets.retention.minutes}, counted from when the group was first seen empty or
 * from its newest commit if that is later (a consumer that assigns its own partitions commits without
 * joining and keeps its offsets alive by committing); and those of topics that no longer exist. Deletion
 * is by tombstones in {@code __consumer_offsets}, so compaction removes the records too. A group seen empty
 * only after a restart counts from the restart: offsets may live up to one retention longer, never less.
 * Runs on the group timer every {@code offsets.retention.check.interval.ms}.
 */
final class OffsetExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetExpiry.class);

    private final GroupCoordinator groups;
    private final OffsetStore offsets;
    private final LogManager log;
    private final GroupTimer timer;
    private final long retentionMs;
    private final long intervalMs;
    /** When each group was first seen without members; guarded by this. */
    private final Map<String, Long> emptySince = new HashMap<>();

    OffsetExpiry(GroupCoordinator groups, OffsetStore offsets, LogManager log, GroupTimer timer, long retentionMs,
                 long intervalMs) {
        this.groups = groups;
        this.offsets = offsets;
        this.log = log;
        this.timer = timer;
        this.retentionMs = retentionMs;
        this.intervalMs = intervalMs;
    }

    void schedule() {
        timer.schedule(intervalMs, () -> {
            try {
                run();
            } catch (RuntimeException e) {
                LOG.warn("Expiring committed offsets failed; tried again in {} ms", intervalMs, e);
            }
            schedule();
        });
    }

    /** One pass; returns how many offsets it deleted. */
    synchronized int run() {
        long now = timer.nowMs();
        int deleted = 0;
        Set<String> known = offsets.groups();
        emptySince.keySet().retainAll(known);
        for (String group : known) {
            Map<TopicPartition, CommittedOffset> committed = offsets.committed(group);
            List<TopicPartition> gone = committed.keySet().stream().filter(tp -> log.topic(tp.topic()).isEmpty()).toList();
            if (!gone.isEmpty()) {
                delete(group, gone);
                deleted += gone.size();
                LOG.info("Deleted the committed offsets of group {} for {} partition(s) of deleted topics", group, gone.size());
            }
            if (!groups.hasNoMembers(group)) {
                emptySince.remove(group);
                continue;
            }
            long since = emptySince.computeIfAbsent(group, g -> now);
            long newestCommit = committed.values().stream().mapToLong(CommittedOffset::commitTimestampMs).max().orElse(0);
            if (Math.max(since, newestCommit) + retentionMs <= now) {
                List<TopicPartition> all = committed.keySet().stream().filter(tp -> !gone.contains(tp)).toList();
                delete(group, all);
                deleted += all.size();
                emptySince.remove(group);
                LOG.info("Deleted the {} committed offset(s) of group {}: no members and no commit for {} ms "
                        + "(offsets.retention.minutes)", all.size(), group, retentionMs);
            }
        }
        groups.sweepEmptyGroups();
        return deleted;
    }

    /** A topic was deleted: its committed offsets go at once, so a topic re-created under its name starts afresh. */
    synchronized void topicDeleted(String topic) {
        for (String group : offsets.groups()) {
            List<TopicPartition> of = offsets.committed(group).keySet().stream().filter(tp -> tp.topic().equals(topic)).toList();
            delete(group, of);
        }
    }

    /** Tombstones, not waited for here (the timer also runs group sessions); a failure is retried next pass. */
    private void delete(String group, List<TopicPartition> partitions) {
        offsets.deleteOffsets(group, partitions).whenComplete((v, t) -> {
            if (t != null) {
                LOG.warn("Deleting {} committed offset(s) of group {} failed: {}", partitions.size(), group, t.toString());
            }
        });
    }
}
