package io.sluice.pipeline.internals;

import io.sluice.pipeline.StartFrom;
import io.sluice.pipeline.TableResolver;
import io.sluice.sink.CommitHook;
import io.sluice.sink.TableSpec;
import java.util.Map;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * KafkaIO's consumer factory: the reading consumers start at the journal ({@link JournalStartConsumer}); KafkaIO's
 * offset consumer (it only looks up log-end offsets for the backlog, and KafkaIO marks it by a group id holding
 * {@code _offset_consumer_}) is a plain consumer, so it does not read the journal for nothing.
 */
public final class JournalStartConsumerFactory
        implements SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;
    private static final String OFFSET_CONSUMER_MARK = "_offset_consumer_";

    private final TableResolver tables;
    private final Map<String, String> hadoopConf;
    private final String registryUrl;
    private final CommitHook hook;
    private final StartFrom startFrom;

    public JournalStartConsumerFactory(TableResolver tables, Map<String, String> hadoopConf, String registryUrl,
                                       CommitHook hook, StartFrom startFrom) {
        this.tables = tables;
        this.hadoopConf = Map.copyOf(hadoopConf);
        this.registryUrl = registryUrl;
        this.hook = hook;
        this.startFrom = startFrom;
    }

    @Override
    public Consumer<byte[], byte[]> apply(Map<String, Object> config) {
        Object group = config.get("group.id");
        if (group != null && group.toString().contains(OFFSET_CONSUMER_MARK)) {
            return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return new JournalStartConsumer(config, this);
    }

    StartFrom startFrom() {
        return startFrom;
    }

    /** Read from the FileSystem now: the journal may have moved since the pipeline was built. */
    long journalNextOffset(TopicPartition tp) {
        TableSpec spec = tables.tableFor(tp.topic());
        return TableSinks.sink(spec, hadoopConf, registryUrl, hook).nextOffset(tp);
    }
}
