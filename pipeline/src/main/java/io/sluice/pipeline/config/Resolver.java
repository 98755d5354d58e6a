package io.sluice.pipeline.config;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.Buckets;
import io.sluice.sink.Partitioning;
import io.sluice.sink.TableSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks the values of a {@link RawPipeline} and turns them into typed sections, applying defaults. Every
 * error is a {@link PipelineConfigException} naming the key path, the value and what is expected. One
 * instance per definition read; not thread-safe (it is used by one thread and dropped).
 */
final class Resolver {
    /** Kafka's legal topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** TableSpec's table names, less names starting with '_' (the warehouse's own directories). */
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern AVRO_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern BEAM_ARG = Pattern.compile("--([A-Za-z][A-Za-z0-9]*)(=.*)?", Pattern.DOTALL);

    static final Duration DEFAULT_DISCOVERY_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_CHECKPOINTING_INTERVAL = Duration.ofSeconds(10);
    static final String DEAD_LETTERS_DIR = "_dead_letters";

    /** Consumer properties the file sets through its own keys, or Sluice must own. */
    private static final Map<String, String> RESERVED_CONSUMER_PROPERTIES = Map.of(
            "bootstrap.servers", "set by source.bootstrap-servers",
            "auto.offset.reset", "set by source.start-from",
            "key.deserializer", "Sluice reads raw bytes and decodes through the registry",
            "value.deserializer", "Sluice reads raw bytes and decodes through the registry");

    private final String origin;
    private final Map<String, Integer> lines;

    /** {@code lines}: the line of each key path in the file, empty when the values are not all the file's. */
    Resolver(String origin, Map<String, Integer> lines) {
        this.origin = origin;
        this.lines = lines;
    }

    // ---------------------------------------------------------------- name

    String name(String raw, String fallback) {
        String name = text(raw);
        if (name == null) {
            if (fallback == null) {
                throw fail(PipelineKeys.NAME, "required: the pipeline's name");
            }
            name = fallback;
        }
        if (!TABLE_NAME.matcher(name).matches()) {
            throw fail(PipelineKeys.NAME, "'" + name + "' is not a pipeline name: letters, digits, '_', '.' or '-', "
                    + "starting with a letter or digit");
        }
        return name;
    }

    // ---------------------------------------------------------------- source

    SourceConfig source(RawPipeline.Source raw) {
        RawPipeline.Source s = raw != null ? raw : new RawPipeline.Source(null, null, null, null, null, null, null);
        String servers = hostPorts("source.bootstrap-servers", required("source.bootstrap-servers", s.bootstrapServers(),
                "host:port of the log (log-core or a Kafka cluster), comma-separated for several"));

        List<String> topics = new ArrayList<>();
        if (s.topics() != null) {
            for (int i = 0; i < s.topics().size(); i++) {
                String path = "source.topics[" + i + "]";
                String topic = required(path, s.topics().get(i), "a topic name");
                checkTopicName(path, topic);
                if (topics.contains(topic)) {
                    throw fail(path, "topic '" + topic + "' is listed twice");
                }
                topics.add(topic);
            }
        }
        String pattern = text(s.topicPattern());
        if (!topics.isEmpty() && pattern != null) {
            throw fail("source.topic-pattern", "set either topics or topic-pattern, not both");
        }
        if (topics.isEmpty() && pattern == null) {
            throw fail(s.topics() != null ? "source.topics" : "source",
                    s.topics() != null ? "empty: list at least one topic, or set topic-pattern instead"
                            : "set topics (a list of topic names) or topic-pattern (a regex over topic names)");
        }
        if (pattern != null) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw fail("source.topic-pattern", "'" + pattern + "' is not a valid regex: " + e.getDescription()
                        + " at index " + e.getIndex());
            }
        }

        String registry = required("source.schema-registry-url", s.schemaRegistryUrl(),
                "the schema registry's URL, such as http://127.0.0.1:8081");
        for (String url : registry.split(",")) {
            checkHttpUrl("source.schema-registry-url", url.trim());
        }

        SourceConfig.StartFrom startFrom = oneOf("source.start-from", s.startFrom(), SourceConfig.StartFrom.class,
                SourceConfig.StartFrom.EARLIEST);
        Duration discovery = duration("source.discovery-interval", s.discoveryInterval(), DEFAULT_DISCOVERY_INTERVAL,
                Duration.ofSeconds(1));

        Map<String, String> consumer = properties("source.consumer", s.consumer());
        for (String key : consumer.keySet()) {
            String why = RESERVED_CONSUMER_PROPERTIES.get(key);
            if (why != null) {
                throw fail("source.consumer." + key, "cannot be set here: " + why);
            }
        }
        return new SourceConfig(servers, topics, pattern, registry, startFrom, discovery, consumer);
    }

    // ---------------------------------------------------------------- warehouse

    WarehouseConfig warehouse(RawPipeline.Warehouse raw) {
        RawPipeline.Warehouse w = raw != null ? raw : new RawPipeline.Warehouse(null, null, null, null);
        String root = parse("warehouse.root", required("warehouse.root", w.root(),
                "where the tables go: hdfs://namenode:port/path, file:///path or a local path"), FileSystemUris::normalize);
        String deadLetters = text(w.deadLetterRoot()) == null ? root + "/" + DEAD_LETTERS_DIR
                : parse("warehouse.dead-letter-root", text(w.deadLetterRoot()), FileSystemUris::normalize);
        Duration lease = duration("warehouse.claim-lease", w.claimLease(), io.sluice.sink.TableSink.DEFAULT_LEASE,
                Duration.ofSeconds(1));
        return new WarehouseConfig(root, deadLetters, properties("warehouse.hadoop", w.hadoop()), lease);
    }

    // ---------------------------------------------------------------- tables

    TableOptions tableDefaults(RawPipeline.Table raw) {
        if (raw != null && text(raw.table()) != null) {
            throw fail(PipelineKeys.TABLE_DEFAULTS + "." + PipelineKeys.TABLE, "only allowed under tables.<topic> "
                    + "(a table is named after its topic unless tables.<topic>.table says otherwise)");
        }
        return options(PipelineKeys.TABLE_DEFAULTS, raw, TableOptions.DEFAULTS);
    }

    /**
     * The tables section, in file order, each entry's options being the defaults with its overrides. Also
     * checks, for a source with a topic list, that every listed topic has a valid and distinct table.
     */
    Map<String, TableConfig> tables(Map<String, RawPipeline.Table> raw, TableOptions defaults, SourceConfig source,
                                    WarehouseConfig warehouse, AuditSettings audit) {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        Map<String, String> topicOfTable = new LinkedHashMap<>();
        if (raw != null) {
            for (Map.Entry<String, RawPipeline.Table> e : raw.entrySet()) {
                String topic = e.getKey();
                String path = PipelineKeys.TABLES + "." + topic;
                checkTopicName(path, topic);
                checkSelected(path, topic, source);
                RawPipeline.Table t = e.getValue();
                String table = t == null || text(t.table()) == null ? topic : text(t.table());
                checkTableName(path + "." + PipelineKeys.TABLE, table, topic, t == null || text(t.table()) == null);
                TableConfig config = new TableConfig(topic, table, options(path, t, defaults));
                claim(topicOfTable, config, path + "." + PipelineKeys.TABLE);
                checkSpec(path, config, warehouse, audit);
                tables.put(topic, config);
            }
        }
        for (String topic : source.topics()) {
            if (!tables.containsKey(topic)) {
                TableConfig config = new TableConfig(topic, topic, defaults);
                checkTableName("source.topics", topic, topic, true);
                claim(topicOfTable, config, "source.topics");
            }
        }
        checkSpec(PipelineKeys.TABLE_DEFAULTS, new TableConfig("t", "t", defaults), warehouse, audit);
        return tables;
    }

    private TableOptions options(String prefix, RawPipeline.Table raw, TableOptions base) {
        if (raw == null) {
            return base;
        }
        Partitioning partitioning = raw.partitioning() == null || text(raw.partitioning()) == null
                ? base.partitioning()
                : oneOf(prefix + ".partitioning", raw.partitioning(), Partitioning.class, null);
        String field;
        if (text(raw.partitionField()) != null) {
            field = avroName(prefix + ".partition-field", text(raw.partitionField()));
            if (partitioning != Partitioning.FIELD) {
                throw fail(prefix + ".partition-field", "only with partitioning: field (partitioning here is "
                        + lower(partitioning) + ")");
            }
        } else {
            // a time partitioning set here drops a field inherited from the defaults
            field = partitioning == Partitioning.FIELD ? base.partitionField() : null;
        }
        if (partitioning == Partitioning.FIELD && field == null) {
            throw fail(prefix + ".partition-field", "required with partitioning: field (the record field whose "
                    + "value names each partition directory)");
        }
        String zone = text(raw.timeZone()) == null ? base.timeZone() : zone(prefix + ".time-zone", text(raw.timeZone()));
        String codec = text(raw.codec()) == null ? base.codec() : codec(prefix + ".codec", text(raw.codec()));
        long maxRecords = text(raw.maxFileRecords()) == null ? base.maxFileRecords()
                : parse(prefix + ".max-file-records", raw.maxFileRecords(), v -> ConfigValues.parseLong(v, 1, Long.MAX_VALUE));
        long maxBytes = base.maxFileBytes();
        if (text(raw.maxFileBytes()) != null) {
            maxBytes = parse(prefix + ".max-file-bytes", raw.maxFileBytes(), ConfigValues::parseSize);
            if (maxBytes < 1024) {
                throw fail(prefix + ".max-file-bytes", "'" + raw.maxFileBytes() + "' is below the least, 1KiB (1024 bytes)");
            }
        }
        Duration commit = duration(prefix + ".commit-interval", raw.commitInterval(), base.commitInterval(),
                Duration.ofMillis(1));
        Duration lateness = duration(prefix + ".allowed-lateness", raw.allowedLateness(), base.allowedLateness(),
                Duration.ZERO);
        boolean metadata = text(raw.metadataField()) == null ? base.metadataField()
                : parse(prefix + ".metadata-field", raw.metadataField(), ConfigValues::parseBoolean);
        String eventTime = text(raw.eventTimeField()) == null ? base.eventTimeField()
                : avroName(prefix + ".event-time-field", text(raw.eventTimeField()));
        io.sluice.sink.GapPolicy onGap = oneOf(prefix + ".on-gap", raw.onGap(), io.sluice.sink.GapPolicy.class,
                base.onGap());
        return new TableOptions(partitioning, field, zone, codec, maxRecords, maxBytes, commit, lateness, metadata,
                eventTime, onGap);
    }

    /** Builds the TableSpec once now, so that whatever the sink refuses is refused while loading, with a key path. */
    private void checkSpec(String path, TableConfig config, WarehouseConfig warehouse, AuditSettings audit) {
        try {
            PipelineDefinition.spec(config, warehouse, audit);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw fail(path, e.getMessage());
        }
    }

    private void claim(Map<String, String> topicOfTable, TableConfig config, String path) {
        String other = topicOfTable.putIfAbsent(config.table(), config.topic());
        if (other != null) {
            throw fail(path, "table '" + config.table() + "' of topic '" + config.topic()
                    + "' is already the table of topic '" + other + "'; each topic needs its own table");
        }
    }

    private void checkSelected(String path, String topic, SourceConfig source) {
        if (source.selects(topic)) {
            return;
        }
        if (source.topicPattern() == null) {
            throw fail(path, "topic '" + topic + "' is not in source.topics " + source.topics());
        }
        throw fail(path, topic.startsWith("_")
                ? "topic '" + topic + "' starts with '_' (an internal topic), which a topic-pattern never selects"
                : "topic '" + topic + "' does not match source.topic-pattern '" + source.topicPattern() + "'");
    }

    void checkTableName(String path, String table, String topic, boolean defaulted) {
        if (!TABLE_NAME.matcher(table).matches()) {
            throw fail(path, defaulted
                    ? "topic '" + topic + "' cannot name its table: set tables." + topic + ".table to a name of letters, "
                    + "digits, '_', '.' or '-' that starts with a letter or digit"
                    : "'" + table + "' is not a table name: letters, digits, '_', '.' or '-', starting with a letter or "
                    + "digit (names starting with '_' are reserved for Sluice's own directories, such as "
                    + DEAD_LETTERS_DIR + ")");
        }
    }

    // ---------------------------------------------------------------- runner

    RunnerConfig runner(RawPipeline.Runner raw) {
        RawPipeline.Runner r = raw != null ? raw : new RawPipeline.Runner(null, null, null, null, null, null, null, null);
        RunnerConfig.Type type = oneOf("runner.type", r.type(), RunnerConfig.Type.class, RunnerConfig.Type.FLINK);
        String master = text(r.flinkMaster()) == null ? RunnerConfig.LOCAL_FLINK : text(r.flinkMaster());
        if (!master.equals(RunnerConfig.LOCAL_FLINK) && !master.equals("[auto]")) {
            try {
                checkHostPort(master);
            } catch (IllegalArgumentException e) {
                throw fail("runner.flink-master", "'" + master + "' is not [local], [auto] or the host:port of a "
                        + "Flink JobManager");
            }
        }
        OptionalInt parallelism = text(r.parallelism()) == null ? OptionalInt.empty()
                : OptionalInt.of(parse("runner.parallelism", r.parallelism(),
                        v -> (int) ConfigValues.parseLong(v, 1, Integer.MAX_VALUE)));
        Duration checkpointing = duration("runner.checkpointing-interval", r.checkpointingInterval(),
                DEFAULT_CHECKPOINTING_INTERVAL, Duration.ofMillis(10)); // Flink's least
        OptionalLong bundleSize = text(r.maxBundleSize()) == null ? OptionalLong.empty()
                : OptionalLong.of(parse("runner.max-bundle-size", r.maxBundleSize(),
                        v -> ConfigValues.parseLong(v, 1, Long.MAX_VALUE)));
        OptionalLong bundleTime = text(r.maxBundleTimeMs()) == null ? OptionalLong.empty()
                : OptionalLong.of(parse("runner.max-bundle-time-ms", r.maxBundleTimeMs(),
                        v -> ConfigValues.parseLong(v, 1, Long.MAX_VALUE)));
        OptionalInt restarts = text(r.restartAttempts()) == null ? OptionalInt.empty()
                : OptionalInt.of(parse("runner.restart-attempts", r.restartAttempts(),
                        v -> (int) ConfigValues.parseLong(v, 0, Integer.MAX_VALUE)));
        List<String> extra = new ArrayList<>();
        if (r.extra() != null) {
            for (int i = 0; i < r.extra().size(); i++) {
                String path = "runner.extra[" + i + "]";
                String arg = required(path, r.extra().get(i), "a Beam argument --name=value");
                Matcher m = BEAM_ARG.matcher(arg);
                if (!m.matches()) {
                    throw fail(path, "'" + arg + "' is not a Beam argument (--name=value or --name)");
                }
                String setBy = RunnerConfig.GENERATED_OPTIONS.get(m.group(1));
                if (setBy != null) {
                    throw fail(path, "--" + m.group(1) + " is set by " + setBy);
                }
                extra.add(arg);
            }
        }
        return new RunnerConfig(type, master, parallelism, checkpointing, bundleSize, bundleTime, restarts, extra);
    }

    // ---------------------------------------------------------------- audit

    AuditSettings audit(RawPipeline.Audit raw, SourceConfig source) {
        RawPipeline.Audit a = raw != null ? raw : new RawPipeline.Audit(null, null, null, null, null);
        boolean enabled = text(a.enabled()) != null && parse("audit.enabled", a.enabled(), ConfigValues::parseBoolean);
        String topic = text(a.topic()) == null ? AuditConfig.DEFAULT_TOPIC : text(a.topic());
        checkTopicName("audit.topic", topic);
        if (source.selects(topic)) {
            throw fail("audit.topic", "the source reads topic '" + topic + "' itself: the audit topic holds audit "
                    + "messages, not data for a table (name another topic, or take it out of the source)");
        }
        Duration bucket = duration("audit.bucket", a.bucket(), Buckets.DEFAULT, Duration.ofSeconds(1));
        if (bucket.toMillis() % 1000 != 0) {
            throw fail("audit.bucket", "'" + a.bucket().trim() + "' is not a whole number of seconds");
        }
        Duration publish = duration("audit.publish-interval", a.publishInterval(),
                AuditSettings.DEFAULT_PUBLISH_INTERVAL, Duration.ofMillis(100));
        String servers = text(a.bootstrapServers()) == null ? source.bootstrapServers()
                : hostPorts("audit.bootstrap-servers", text(a.bootstrapServers()));
        return new AuditSettings(enabled, topic, bucket, publish, servers);
    }

    // ---------------------------------------------------------------- values

    private String required(String path, String raw, String what) {
        String t = text(raw);
        if (t == null) {
            throw fail(path, "required: " + what);
        }
        return t;
    }

    private <T> T parse(String path, String raw, Function<String, T> parser) {
        try {
            return parser.apply(raw.trim());
        } catch (IllegalArgumentException e) {
            throw fail(path, e.getMessage());
        }
    }

    private Duration duration(String path, String raw, Duration fallback, Duration least) {
        if (text(raw) == null) {
            return fallback;
        }
        Duration d = parse(path, raw, ConfigValues::parseDuration);
        if (d.compareTo(least) < 0) {
            throw fail(path, "'" + raw.trim() + "' is below the least, " + (least.isZero() ? "0"
                    : least.toMillis() % 1000 == 0 ? least.toSeconds() + "s" : least.toMillis() + "ms"));
        }
        return d;
    }

    /** A value of {@code type} by its lower-case name, with the accepted names in the error. */
    private <E extends Enum<E>> E oneOf(String path, String raw, Class<E> type, E fallback) {
        String t = text(raw);
        if (t == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (lower(e).equals(t.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(lower(e));
        }
        throw fail(path, "unknown value '" + t + "' (" + String.join(", ", names) + ")");
    }

    private String codec(String path, String raw) {
        String c = raw.toLowerCase(Locale.ROOT);
        if (!TableOptions.CODECS.contains(c)) {
            throw fail(path, "unknown value '" + raw + "' (" + String.join(", ", TableOptions.CODECS) + ")");
        }
        return c;
    }

    private String zone(String path, String raw) {
        try {
            return ZoneId.of(raw).getId();
        } catch (DateTimeException e) {
            throw fail(path, "unknown time zone '" + raw + "' (a region such as Europe/Berlin, UTC, or an offset "
                    + "such as +02:00)");
        }
    }

    private String avroName(String path, String raw) {
        if (!AVRO_NAME.matcher(raw).matches()) {
            throw fail(path, "'" + raw + "' is not an Avro field name (letters, digits and '_', not starting with a "
                    + "digit)");
        }
        return raw;
    }

    private void checkTopicName(String path, String topic) {
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw fail(path, "'" + topic + "' is not a topic name (1 to 249 of letters, digits, '.', '_', '-')");
        }
    }

    private String hostPorts(String path, String raw) {
        for (String hp : raw.split(",")) {
            try {
                checkHostPort(hp.trim());
            } catch (IllegalArgumentException e) {
                throw fail(path, "'" + hp.trim() + "' is not host:port (in '" + raw + "')");
            }
        }
        return raw;
    }

    private static void checkHostPort(String hp) {
        int colon = hp.lastIndexOf(':');
        if (colon <= 0 || hp.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(hp);
        }
        int port = Integer.parseInt(hp.substring(colon + 1)); // NumberFormatException is an IllegalArgumentException
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(hp);
        }
    }

    private void checkHttpUrl(String path, String url) {
        try {
            URI u = new URI(url);
            if (u.getScheme() != null && Set.of("http", "https").contains(u.getScheme().toLowerCase(Locale.ROOT))
                    && u.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw fail(path, "'" + url + "' is not an http:// or https:// URL");
    }

    private Map<String, String> properties(String path, Map<String, String> raw) {
        Map<String, String> p = new LinkedHashMap<>();
        if (raw != null) {
            for (Map.Entry<String, String> e : raw.entrySet()) {
                p.put(e.getKey(), required(path + "." + e.getKey(), e.getValue(), "a value"));
            }
        }
        return p;
    }

    private static String text(String raw) {
        return raw == null || raw.isBlank() ? null : raw.trim();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private PipelineConfigException fail(String path, String problem) {
        return new PipelineConfigException(origin, path, PipelineYaml.lineOf(lines, path), problem);
    }
}
