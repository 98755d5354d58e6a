package io.sluice.pipeline.internals;

import io.sluice.pipeline.StartFrom;
import io.sluice.sink.OffsetGap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer KafkaIO reads with. It places every partition at its table's journal, and tells the commit step which
 * offsets each record covers, so that the commit never assumes what it did not see:
 *
 * <ul>
 *   <li>{@link #assign} seeks each partition to the next offset its table has not committed; a partition never
 *       committed goes to the start position ({@link StartFrom}). KafkaIO then seeks again where it restores a
 *       checkpoint mark of its own, and the commit drops what that replays below the journal.</li>
 *   <li>A record that does not follow the one before it (the log did not hold the offsets between: compaction,
 *       transaction markers) gets the header {@value #COVERS_FROM}, the first offset it covers. A record that
 *       follows needs none. The first record after an assignment or a seek also gets {@value #READ_START}: for a
 *       partition never committed, the commit starts where the reading started, whatever order records arrive in.</li>
 *   <li>The consumer never resets a position by itself ({@code auto.offset.reset=none}): when the position is no longer
 *       in the log (retention deleted offsets not yet read, or a restore from a checkpoint older than the log's
 *       start) Kafka answers OFFSET_OUT_OF_RANGE, and this consumer returns, in place of records, one record marking
 *       the exact missing range (header {@value #GAP}), then reads on from the log's start. A position past the log's
 *       end (the topic was recreated or truncated) is marked too, and the partition paused.</li>
 * </ul>
 *
 * Headers of those names that a producer set are removed: only this consumer says what a record covers.
 */
final class JournalStartConsumer extends KafkaConsumer<byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(JournalStartConsumer.class);
    /** Header: the first offset a record covers, 8 bytes big-endian, when the offsets before it were not in the log. */
    static final String COVERS_FROM = "__sluice.covers-from";
    /** Header of a record that marks offsets missing from the log: {@code from,to,REASON}. */
    static final String GAP = "__sluice.gap";
    /** Header of the first record read after an assignment or a seek (its {@value #COVERS_FROM} is the position). */
    static final String READ_START = "__sluice.read-start";
    private static final byte[] EMPTY = new byte[0];

    private final JournalStartConsumerFactory positions;
    /** The offset the next record of each partition should have. */
    private final Map<TopicPartition, Long> expected = new HashMap<>();
    /** Partitions whose next record is the first read since an assignment or a seek. */
    private final java.util.Set<TopicPartition> starting = new java.util.HashSet<>();

    JournalStartConsumer(Map<String, Object> config, JournalStartConsumerFactory positions) {
        super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.positions = positions;
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        super.assign(partitions);
        expected.keySet().retainAll(partitions);
        Map<TopicPartition, Long> journal = new HashMap<>();
        List<TopicPartition> fresh = new ArrayList<>();
        // every partition gets a position before any is asked for one: with no reset policy, asking for one
        // position resolves all of them, and one without a position fails the call
        for (TopicPartition tp : partitions) {
            long next = positions.journalNextOffset(tp);
            if (next >= 0) {
                place(tp, next);
                journal.put(tp, next);
            } else {
                fresh.add(tp);
            }
        }
        // (never with an empty list: Kafka takes that as every assigned partition)
        if (fresh.isEmpty()) {
            // every partition is where its journal says
        } else if (positions.startFrom() == StartFrom.LATEST) {
            super.seekToEnd(fresh);
        } else {
            super.seekToBeginning(fresh);
        }
        List<String> placed = new ArrayList<>();
        journal.forEach((tp, next) -> placed.add(tp + "@" + next));
        for (TopicPartition tp : fresh) {
            long at = position(tp);
            expected.put(tp, at);
            starting.add(tp);
            placed.add(tp + "@" + at + " (never committed: " + positions.startFrom() + ")");
        }
        LOG.info("reading from the journal positions {}", placed);
    }

    /** KafkaIO seeks a reader it restores from a checkpoint mark (a Flink restore) after {@link #assign}. */
    @Override
    public void seek(TopicPartition tp, long offset) {
        Long was = expected.get(tp);
        place(tp, offset);
        if (was != null && was != offset) {
            // the commit drops what this replays below the journal, and reads a gap the journal covers as none
            LOG.info("{}: the reader resumes at offset {} of its checkpoint (the journal is at {})", tp, offset, was);
        }
    }

    private void place(TopicPartition tp, long offset) {
        super.seek(tp, offset);
        expected.put(tp, offset);
        starting.add(tp);
    }

    @Override
    public void seek(TopicPartition tp, OffsetAndMetadata offsetAndMetadata) {
        super.seek(tp, offsetAndMetadata);
        expected.put(tp, offsetAndMetadata.offset());
        starting.add(tp);
    }

    /**
     * The position is resolved lazily, and asking for it here could fail for partitions still without one; the first
     * record read then covers itself only (KafkaIO itself never calls this).
     */
    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        super.seekToBeginning(partitions);
        partitions.forEach(expected::remove);
        starting.addAll(partitions);
    }

    /** As {@link #seekToBeginning}. */
    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        super.seekToEnd(partitions);
        partitions.forEach(expected::remove);
        starting.addAll(partitions);
    }

    @Override
    @SuppressWarnings("deprecation")
    public ConsumerRecords<byte[], byte[]> poll(long timeoutMs) {
        return poll(Duration.ofMillis(timeoutMs));
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = super.poll(timeout);
        } catch (OffsetOutOfRangeException e) {
            return gaps(e.offsetOutOfRangePartitions());
        }
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                r.headers().remove(COVERS_FROM);
                r.headers().remove(GAP);
                r.headers().remove(READ_START);
                Long want = expected.get(tp);
                boolean first = starting.remove(tp);
                if (want != null && r.offset() > want || first) {
                    long from = want == null ? r.offset() : Math.min(want, r.offset());
                    r.headers().add(COVERS_FROM, ByteBuffer.allocate(Long.BYTES).putLong(from).array());
                }
                if (first) {
                    r.headers().add(READ_START, EMPTY);
                }
                expected.put(tp, r.offset() + 1);
            }
        }
        return records;
    }

    /** In place of records: one record per partition marking what the log no longer holds at its position. */
    private ConsumerRecords<byte[], byte[]> gaps(Map<TopicPartition, Long> outOfRange) {
        Map<TopicPartition, Long> begin = beginningOffsets(outOfRange.keySet());
        Map<TopicPartition, Long> end = endOffsets(outOfRange.keySet());
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> marks = new HashMap<>();
        outOfRange.forEach((tp, position) -> {
            long first = begin.getOrDefault(tp, 0L);
            long last = end.getOrDefault(tp, 0L);
            if (position < first) {
                OffsetGap g = new OffsetGap(position, first - 1, OffsetGap.Reason.RETENTION);
                LOG.error("{}: offsets {}..{} were deleted from the log before they were read (log start {}); reading"
                        + " on from {}, and the table decides (its on-gap policy)", tp, g.from(), g.to(), first, first);
                boolean start = starting.contains(tp);
                place(tp, first);
                marks.put(tp, List.of(mark(tp, g.to(), g, start)));
            } else if (position > last) {
                OffsetGap g = new OffsetGap(last, position - 1, OffsetGap.Reason.TRUNCATED);
                LOG.error("{}: the log ends at {}, before the position {} the pipeline reached: the topic was deleted and"
                        + " recreated or its log truncated; the partition is paused and its table stops", tp, last,
                        position);
                pause(List.of(tp));
                marks.put(tp, List.of(mark(tp, position - 1, g, starting.remove(tp))));
            } else {
                LOG.warn("{}: offset {} was out of range and is in range again (log {}..{}); reading on", tp, position,
                        first, last);
                super.seek(tp, position);
            }
        });
        return new ConsumerRecords<>(marks);
    }

    private static ConsumerRecord<byte[], byte[]> mark(TopicPartition tp, long offset, OffsetGap g, boolean start) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(GAP, (g.from() + "," + g.to() + "," + g.reason()).getBytes(StandardCharsets.UTF_8));
        if (start) {
            headers.add(READ_START, EMPTY);
        }
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, System.currentTimeMillis(),
                TimestampType.CREATE_TIME, -1, -1, null, null, headers, Optional.empty());
    }

    /** The gap a record marks, or null if it is a record of the log. */
    static OffsetGap gapOf(Iterable<Header> headers) {
        if (headers == null) {
            return null;
        }
        for (Header h : headers) {
            if (GAP.equals(h.key())) {
                String[] parts = new String(h.value(), StandardCharsets.UTF_8).split(",");
                return new OffsetGap(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                        OffsetGap.Reason.valueOf(parts[2]));
            }
        }
        return null;
    }

    /** Whether a record is the first read since an assignment or a seek. */
    static boolean startsRead(Iterable<Header> headers) {
        if (headers != null) {
            for (Header h : headers) {
                if (READ_START.equals(h.key())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first offset a record covers, as its header says; {@code offset} itself when it has none. */
    static long coversFrom(Iterable<Header> headers, long offset) {
        if (headers == null) {
            return offset;
        }
        for (Header h : headers) {
            if (COVERS_FROM.equals(h.key()) && h.value() != null && h.value().length == Long.BYTES) {
                return Math.min(offset, ByteBuffer.wrap(h.value()).getLong());
            }
        }
        return offset;
    }
}
