package io.sluice.log;

import io.sluice.log.internals.ProducerStateManager;
import java.util.Map;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-time checks and offset assignment of a {@link PartitionLog}: idempotent-producer checks
 * (duplicates, sequence and epoch) and the rewriting of batch offsets, leader epoch and append time.
 *
 * <p>Thread-safety: stateless; callers hold the partition's {@code appendLock} (it guards {@code producers}).
 */
final class AppendAssigner {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private AppendAssigner() {
    }

    /** A duplicate's original result, or null to go on; throws if a producer's sequence or epoch does not fit. */
    static AppendResult checkProducers(String topic, int partition, ProducerStateManager producers,
                                       TopicConfig config, MemoryRecords records) {
        Map<Long, Integer> lastSeqInAppend = new java.util.HashMap<>(2);
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.hasProducerId() && lastSeqInAppend.containsKey(batch.producerId())) {
                // A later batch of the same producer in one append must follow the earlier one directly.
                int last = lastSeqInAppend.get(batch.producerId());
                if (batch.baseSequence() != (last == Integer.MAX_VALUE ? 0 : last + 1)) {
                    throw new ProducerStateException(topic, partition, ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE,
                            "producer " + batch.producerId() + " sent sequence " + batch.baseSequence() + " after "
                                    + last + " in the same append");
                }
                lastSeqInAppend.put(batch.producerId(), batch.lastSequence());
                continue;
            }
            if (batch.hasProducerId()) {
                lastSeqInAppend.put(batch.producerId(), batch.lastSequence());
            }
            ProducerStateManager.Verdict v = producers.check(batch);
            if (v instanceof ProducerStateManager.Verdict.Duplicate d) {
                LOG.debug("{}-{}: duplicate batch of producer {} seq [{}, {}] answered with offsets [{}, {}]", topic,
                        partition, batch.producerId(), batch.baseSequence(), batch.lastSequence(),
                        d.original().firstOffset(), d.original().lastOffset());
                return new AppendResult(d.original().firstOffset(), d.original().lastOffset(),
                        config.timestampType() == TimestampType.LOG_APPEND_TIME ? d.original().maxTimestamp() : -1, true);
            }
            if (v instanceof ProducerStateManager.Verdict.Rejected r) {
                throw new ProducerStateException(topic, partition, r.fencedEpoch()
                        ? ProducerStateException.Kind.INVALID_PRODUCER_EPOCH
                        : ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE, r.reason());
            }
        }
        return null;
    }

    /**
     * Assigns offsets densely from {@code next}, stamps the leader epoch and (when {@code appendTime >= 0})
     * the log-append time. Returns one past the last assigned offset.
     */
    static long assignOffsets(MemoryRecords records, long next, int leaderEpoch, long appendTime) {
        for (MutableRecordBatch batch : records.batches()) {
            batch.setLastOffset(next + batch.lastOffset() - batch.baseOffset());
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (appendTime >= 0) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, appendTime);
            }
            next = batch.lastOffset() + 1;
        }
        return next;
    }
}
