package io.sluice.pipeline;

import io.sluice.pipeline.internals.CommitFn;
import io.sluice.pipeline.internals.DecodeFn;
import io.sluice.pipeline.internals.JournalStartConsumerFactory;
import io.sluice.pipeline.internals.SinkElementCoder;
import io.sluice.sink.CommitHook;
import io.sluice.sink.PipelineRun;
import java.io.Serial;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Ingests topics of a Kafka-protocol log into warehouse tables, exactly once: KafkaIO reads (schema id, bytes), the
 * registry decodes and validates every record, an optional {@link RecordTransform} runs, and the hdfs-sink commits
 * each source partition's records with its offsets in the table's journal. Records that cannot be decoded or that
 * the transform refuses go to the table's dead-letter table; nothing is dropped silently.
 *
 * <pre>{@code
 * pipeline.apply(SluiceIngest.create()
 *         .withBootstrapServers("127.0.0.1:9092")
 *         .withTopicPattern("events\\..*")
 *         .withSchemaRegistryUrl("http://127.0.0.1:8081")
 *         .withTables(TableResolver.underWarehouse("hdfs://nn:8020/warehouse",
 *                 TableSpec.builder("template", "hdfs://nn:8020/warehouse/template").build())));
 * }</pre>
 *
 * <p>Where reading starts is the tables' business, not the consumer group's: every partition resumes at its table's
 * journal; a partition never committed starts at {@link #withStartFrom} (earliest by default). The topic set is
 * fixed when the pipeline is built (KafkaIO's classic reader resolves a pattern once); {@link IngestionJob} re-resolves
 * it and restarts the pipeline when topics or partitions are added.
 *
 * <p>Immutable: every {@code withX} returns a changed copy. Conflicting options are refused by the {@code withX}
 * method; missing ones by {@link #expand}, naming the method to call.
 */
public final class SluiceIngest extends PTransform<PBegin, PDone> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final List<String> topics;
    private final String topicPattern;
    private final String schemaRegistryUrl;
    private final TableResolver tables;
    private final RecordTransform transform;
    private final Map<String, Object> consumerConfig;
    private final StartFrom startFrom;
    private final Map<String, String> hadoopConfiguration;
    private final CommitHook commitHook;
    private final PipelineRun run;

    private SluiceIngest(String bootstrapServers, List<String> topics, String topicPattern, String schemaRegistryUrl,
                         TableResolver tables, RecordTransform transform, Map<String, Object> consumerConfig,
                         StartFrom startFrom, Map<String, String> hadoopConfiguration, CommitHook commitHook,
                         PipelineRun run) {
        this.bootstrapServers = bootstrapServers;
        this.topics = topics;
        this.topicPattern = topicPattern;
        this.schemaRegistryUrl = schemaRegistryUrl;
        this.tables = tables;
        this.transform = transform;
        this.consumerConfig = consumerConfig;
        this.startFrom = startFrom;
        this.hadoopConfiguration = hadoopConfiguration;
        this.commitHook = commitHook;
        this.run = run;
    }

    public static SluiceIngest create() {
        return new SluiceIngest(null, null, null, null, null, null, Map.of(), StartFrom.EARLIEST, Map.of(),
                CommitHook.NONE, null);
    }

    private SluiceIngest copy(String bootstrapServers, List<String> topics, String topicPattern,
                              String schemaRegistryUrl, TableResolver tables, RecordTransform transform,
                              Map<String, Object> consumerConfig, StartFrom startFrom,
                              Map<String, String> hadoopConfiguration, CommitHook commitHook) {
        return new SluiceIngest(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform,
                consumerConfig, startFrom, hadoopConfiguration, commitHook, run);
    }

    /** The log's bootstrap address(es), {@code host:port[,host:port…]}. Required. */
    public SluiceIngest withBootstrapServers(String servers) {
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("withBootstrapServers() needs host:port[,host:port...], not '"
                    + servers + "'");
        }
        return copy(servers, topics, topicPattern, schemaRegistryUrl, tables, transform, consumerConfig, startFrom,
                hadoopConfiguration, commitHook);
    }

    /** These topics. Either this or {@link #withTopicPattern}. */
    public SluiceIngest withTopics(List<String> names) {
        if (topicPattern != null) {
            throw new IllegalStateException("withTopics() and withTopicPattern() are exclusive; the pattern '"
                    + topicPattern + "' is already set");
        }
        if (names == null || names.isEmpty() || names.stream().anyMatch(t -> t == null || t.isBlank())) {
            throw new IllegalArgumentException("withTopics() needs at least one topic name, not " + names);
        }
        return copy(bootstrapServers, List.copyOf(names), null, schemaRegistryUrl, tables, transform,
                consumerConfig, startFrom, hadoopConfiguration, commitHook);
    }

    /** Every topic whose whole name matches this Java regular expression. Either this or {@link #withTopics}. */
    public SluiceIngest withTopicPattern(String regex) {
        if (topics != null) {
            throw new IllegalStateException("withTopics() and withTopicPattern() are exclusive; the topics "
                    + topics + " are already set");
        }
        Pattern.compile(Objects.requireNonNull(regex, "withTopicPattern() needs a regular expression"));
        return copy(bootstrapServers, null, regex, schemaRegistryUrl, tables, transform, consumerConfig, startFrom,
                hadoopConfiguration, commitHook);
    }

    /** The schema registry's base URL(s), {@code http://host:port[,…]}. Required. */
    public SluiceIngest withSchemaRegistryUrl(String url) {
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("withSchemaRegistryUrl() needs http(s)://host:port, not '" + url + "'");
        }
        return copy(bootstrapServers, topics, topicPattern, url, tables, transform, consumerConfig, startFrom,
                hadoopConfiguration, commitHook);
    }

    /** Which table each topic goes to. Required; {@link TableResolver#underWarehouse} is the usual choice. */
    public SluiceIngest withTables(TableResolver resolver) {
        Objects.requireNonNull(resolver, "withTables() needs a TableResolver");
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, resolver, transform, consumerConfig,
                startFrom, hadoopConfiguration, commitHook);
    }

    /** A step every decoded record goes through before it is written; see {@link RecordTransform}. */
    public SluiceIngest withTransform(RecordTransform t) {
        Objects.requireNonNull(t, "withTransform() needs a RecordTransform");
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, t, consumerConfig, startFrom,
                hadoopConfiguration, commitHook);
    }

    /**
     * Extra consumer settings (security, fetch sizes, …). Positions are the journal's business, so
     * {@code enable.auto.commit} cannot be turned on and {@code auto.offset.reset} is set by {@link #withStartFrom}.
     */
    public SluiceIngest withConsumerConfig(Map<String, ?> config) {
        Objects.requireNonNull(config, "withConsumerConfig() needs a map");
        Object autoCommit = config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
        if (autoCommit != null && Boolean.parseBoolean(autoCommit.toString())) {
            throw new IllegalArgumentException("withConsumerConfig(): enable.auto.commit=true is refused: the tables'"
                    + " journals hold the read positions, consumer-group offsets are never used");
        }
        if (config.containsKey(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)) {
            throw new IllegalArgumentException("withConsumerConfig(): set auto.offset.reset with withStartFrom()");
        }
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform,
                Map.copyOf(new HashMap<String, Object>(config)), startFrom, hadoopConfiguration, commitHook);
    }

    /**
     * Where to start a partition whose table has never committed from it (default {@link StartFrom#EARLIEST}).
     * Afterwards a partition resumes at its journal; a position the log no longer holds is never reset silently.
     */
    public SluiceIngest withStartFrom(StartFrom start) {
        Objects.requireNonNull(start, "withStartFrom() needs EARLIEST or LATEST");
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform, consumerConfig,
                start, hadoopConfiguration, commitHook);
    }

    /**
     * Hadoop settings for the tables' FileSystem ({@code fs.defaultFS}, {@code dfs.*}, …), on top of the defaults
     * and *-site.xml files on the classpath. A map because a Hadoop Configuration is not serializable.
     */
    public SluiceIngest withHadoopConfiguration(Map<String, String> conf) {
        Objects.requireNonNull(conf, "withHadoopConfiguration() needs a map");
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform, consumerConfig,
                startFrom, Map.copyOf(conf), commitHook);
    }

    /** A test seam at the commit's crash points; production code leaves the default {@link CommitHook#NONE}. */
    public SluiceIngest withCommitHook(CommitHook hook) {
        Objects.requireNonNull(hook, "withCommitHook() needs a hook (CommitHook.NONE for none)");
        return copy(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform, consumerConfig,
                startFrom, hadoopConfiguration, hook);
    }

    /**
     * The pipeline run whose writers commit (see {@link PipelineRun}). {@link IngestionJob} sets its own, which holds
     * claims on the tables; without it each expansion is an unclaimed run of its own: its writers still fence each
     * other per source partition, and refuse a table another live run holds.
     */
    public SluiceIngest withRun(PipelineRun r) {
        Objects.requireNonNull(r, "withRun() needs a PipelineRun");
        return new SluiceIngest(bootstrapServers, topics, topicPattern, schemaRegistryUrl, tables, transform,
                consumerConfig, startFrom, hadoopConfiguration, commitHook, r);
    }

    /**
     * This transform reading exactly {@code resolved} whatever topics or pattern it was given: the launcher uses it
     * after resolving the pattern and leaving out the topics of stopped tables.
     */
    SluiceIngest withResolvedTopics(List<String> resolved) {
        return copy(bootstrapServers, List.copyOf(resolved), null, schemaRegistryUrl, tables, transform,
                consumerConfig, startFrom, hadoopConfiguration, commitHook);
    }

    public String bootstrapServers() { return bootstrapServers; }
    /** The topic list, or null when a pattern is set. */
    public List<String> topics() { return topics; }
    /** The topic pattern, or null when a list is set. */
    public String topicPattern() { return topicPattern; }
    public String schemaRegistryUrl() { return schemaRegistryUrl; }
    public TableResolver tables() { return tables; }
    public StartFrom startFrom() { return startFrom; }
    public Map<String, String> hadoopConfiguration() { return hadoopConfiguration; }
    public Map<String, Object> consumerConfig() { return consumerConfig; }
    public CommitHook commitHook() { return commitHook; }
    /** The run set with {@link #withRun}, or null. */
    public PipelineRun run() { return run; }

    /** Refuses a transform missing a required option, naming the method that sets it. */
    void validate() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("withBootstrapServers() is required");
        }
        if (topics == null && topicPattern == null) {
            throw new IllegalStateException("withTopics() or withTopicPattern() is required");
        }
        if (schemaRegistryUrl == null) {
            throw new IllegalStateException("withSchemaRegistryUrl() is required");
        }
        if (tables == null) {
            throw new IllegalStateException("withTables() is required");
        }
    }

    @Override
    public PDone expand(PBegin input) {
        validate();
        Map<String, Object> consumer = new HashMap<>(consumerConfig);
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // never reset a position silently: the consumer seeks every partition itself, and a position the log no
        // longer holds is a gap the table must hear of (JournalStartConsumer)
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        KafkaIO.Read<byte[], byte[]> read = KafkaIO.<byte[], byte[]>read()
                .withBootstrapServers(bootstrapServers)
                .withKeyDeserializer(ByteArrayDeserializer.class)
                .withValueDeserializer(ByteArrayDeserializer.class)
                .withConsumerConfigUpdates(consumer)
                .withConsumerFactoryFn(new JournalStartConsumerFactory(tables, hadoopConfiguration,
                        schemaRegistryUrl, commitHook, startFrom));
        read = topics != null ? read.withTopics(topics) : read.withTopicPattern(topicPattern);
        input.apply("Read", read)
                .apply("Decode", ParDo.of(new DecodeFn(schemaRegistryUrl, tables, transform)))
                .setCoder(KvCoder.of(StringUtf8Coder.of(), SinkElementCoder.of()))
                .apply("Commit", ParDo.of(new CommitFn(tables, schemaRegistryUrl, hadoopConfiguration, commitHook,
                        run != null ? run : PipelineRun.unclaimed("sluice-ingest"))));
        return PDone.in(input.getPipeline());
    }
}
