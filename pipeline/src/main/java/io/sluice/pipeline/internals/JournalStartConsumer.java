package io.sluice.pipeline.internals;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer whose {@link #assign} places every partition at its table's journal: the next offset the table has
 * not committed. KafkaIO's reader assigns and then asks for {@code position()} when it has no checkpoint mark of its
 * own, so this is where a fresh pipeline learns where to start; when it does have a mark (Flink restoring a
 * checkpoint) it seeks there afterwards, and the committer drops whatever that replays below the journal.
 *
 * <p>A partition the table never committed is left alone, so {@code auto.offset.reset} (the pipeline's start
 * position) decides. Consumer-group offsets are never used for positions.
 */
final class JournalStartConsumer extends KafkaConsumer<byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(JournalStartConsumer.class);

    private final JournalStartConsumerFactory positions;

    JournalStartConsumer(Map<String, Object> config, JournalStartConsumerFactory positions) {
        super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.positions = positions;
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        super.assign(partitions);
        List<String> placed = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            long next = positions.journalNextOffset(tp);
            if (next >= 0) {
                seek(tp, next);
                placed.add(tp + "@" + next);
            } else {
                placed.add(tp + "@(never committed: " + positions.startFrom() + ")");
            }
        }
        LOG.info("reading from the journal positions {}", placed);
    }

}
