package io.sluice.pipeline.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.sink.TableSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ingestion pipeline defined without code: a {@code conf/pipelines/*.yaml} file, checked and typed.
 * Sections: {@link #source()} (where to read), {@link #warehouse()} (where tables go),
 * {@link #tableDefaults()} and {@link #tables()} (how each topic's table is written), {@link #runner()}
 * (which Beam runner, how), {@link #audit()} (whether the job publishes the sink tier of the audit). Immutable; {@link #withOverrides} makes a changed copy (command-line flags).
 *
 * <pre>{@code
 * PipelineDefinition p = PipelineDefinition.load(Path.of("conf/pipelines/quickstart.yaml"))
 *         .withOverrides(Map.of("source.bootstrap-servers", "127.0.0.1:19092"));
 * TableSpec clicks = p.tableSpecFor("clicks");
 * String[] beamArgs = p.toPipelineArgs();
 * }</pre>
 *
 * Unknown keys and bad values are refused with a {@link PipelineConfigException} naming the file, the key
 * path and (for unknown keys) the line. Every key and its default: {@link PipelineKeys} and
 * {@code conf/pipelines/quickstart.yaml}.
 */
public final class PipelineDefinition {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineDefinition.class);

    private final String origin;
    private final String defaultName;
    /** The document as written (after overrides): the base of further overrides. Never exposed. */
    private final ObjectNode document;
    private final String name;
    private final SourceConfig source;
    private final WarehouseConfig warehouse;
    private final TableOptions tableDefaults;
    private final Map<String, TableConfig> tables;
    private final RunnerConfig runner;
    private final AuditSettings audit;

    private PipelineDefinition(String origin, String defaultName, ObjectNode document, RawPipeline raw,
                               Map<String, Integer> lines) {
        Resolver r = new Resolver(origin, lines);
        this.origin = origin;
        this.defaultName = defaultName;
        this.document = document;
        this.name = r.name(raw.name(), defaultName);
        this.source = r.source(raw.source());
        this.warehouse = r.warehouse(raw.warehouse());
        this.tableDefaults = r.tableDefaults(raw.tableDefaults());
        this.audit = r.audit(raw.audit(), source);
        this.tables = Collections.unmodifiableMap(r.tables(raw.tables(), tableDefaults, source, warehouse, audit));
        this.runner = r.runner(raw.runner());
    }

    /**
     * Reads and checks a pipeline file. Its name defaults to the file's name without {@code .yaml}.
     *
     * @throws PipelineConfigException when the file is missing, unreadable or invalid
     */
    public static PipelineDefinition load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PipelineConfigException(file.toString(), "", "pipeline file does not exist");
        } catch (IOException e) {
            throw new PipelineConfigException(file.toString(), "", "cannot read the pipeline file: " + e);
        }
        String stem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        PipelineDefinition p = parse(text, file.toString(), stem);
        LOG.info("pipeline {} from {}: {}, warehouse {}, runner {}", p.name, file,
                p.source.topicPattern() != null ? "topics matching '" + p.source.topicPattern() + "'"
                        : "topics " + p.source.topics(), p.warehouse.root(), p.runner.type());
        return p;
    }

    /**
     * Reads and checks a pipeline definition given as text; {@code origin} names it in errors.
     * {@code name} is required, there being no file name to default to.
     */
    public static PipelineDefinition parse(String yaml, String origin) {
        return parse(yaml, origin, null);
    }

    private static PipelineDefinition parse(String yaml, String origin, String defaultName) {
        PipelineYaml.Parsed parsed = PipelineYaml.read(yaml, origin);
        return new PipelineDefinition(origin, defaultName, parsed.tree(), parsed.raw(), parsed.lines());
    }

    /**
     * A copy with values replaced, as a command line sets them: key path (such as
     * {@code source.bootstrap-servers}, {@code warehouse.root}, {@code tables.clicks.codec},
     * {@code source.consumer.max.poll.records}) to the value as it would be written in the file. An empty
     * value removes the key, so its default applies. {@code source.topics} takes a comma-separated list,
     * {@code runner.extra} a space-separated one; setting one of {@code source.topics} and
     * {@code source.topic-pattern} drops the other from the file. The result is checked as a whole.
     *
     * @throws PipelineConfigException for an unknown key path or an invalid result
     */
    public PipelineDefinition withOverrides(Map<String, String> keyPathToValue) {
        if (keyPathToValue.isEmpty()) {
            return this;
        }
        String o = origin.endsWith(" with overrides") ? origin : origin + " with overrides";
        ObjectNode changed = PipelineYaml.withOverrides(document, keyPathToValue, o);
        // no lines: an overridden value has none, and the file's line of what it replaced would mislead
        return new PipelineDefinition(o, defaultName, changed, PipelineYaml.bind(changed, o, Map.of()), Map.of());
    }

    public String name() {
        return name;
    }

    public SourceConfig source() {
        return source;
    }

    public WarehouseConfig warehouse() {
        return warehouse;
    }

    public TableOptions tableDefaults() {
        return tableDefaults;
    }

    /** The {@code tables} section: topic to its table, for the topics listed there, in file order. */
    public Map<String, TableConfig> tables() {
        return tables;
    }

    public RunnerConfig runner() {
        return runner;
    }

    public AuditSettings audit() {
        return audit;
    }

    /** Where this definition came from (the file, " with overrides" when there were some), for messages. */
    public String origin() {
        return origin;
    }

    /**
     * The table of {@code topic}: its entry under {@code tables}, or a table named after the topic with
     * the defaults (a topic matched by the pattern but not listed).
     *
     * @throws IllegalArgumentException when the source does not read {@code topic}
     * @throws PipelineConfigException  when a topic matched by the pattern cannot be a table on its own
     *                                  (its name is not a table name, or a listed topic's table has it)
     */
    public TableConfig tableFor(String topic) {
        TableConfig listed = tables.get(topic);
        if (listed != null) {
            return listed;
        }
        if (!source.selects(topic)) {
            throw new IllegalArgumentException("pipeline " + name + " does not read topic '" + topic + "' ("
                    + (source.topicPattern() != null ? "topic-pattern '" + source.topicPattern() + "'"
                    : "topics " + source.topics()) + ")");
        }
        String path = PipelineKeys.TABLES + "." + topic + "." + PipelineKeys.TABLE;
        new Resolver(origin, Map.of()).checkTableName(path, topic, topic, true);
        for (TableConfig t : tables.values()) {
            if (t.table().equals(topic)) {
                throw new PipelineConfigException(origin, path, "topic '" + topic + "' would write table '" + topic
                        + "', which is the table of topic '" + t.topic() + "'; list '" + topic + "' under tables "
                        + "with another table name");
            }
        }
        return new TableConfig(topic, topic, tableDefaults);
    }

    /** The sink's spec of {@code topic}'s table, under {@code <warehouse root>/<table>}; see {@link #tableFor}. */
    public TableSpec tableSpecFor(String topic) {
        return spec(tableFor(topic), warehouse, audit);
    }

    /** The table's audit bucket is the audit section's, published or not: the sink always counts in it. */
    static TableSpec spec(TableConfig t, WarehouseConfig warehouse, AuditSettings audit) {
        return t.options().applyTo(TableSpec.builder(t.table(), warehouse.tableRoot(t.table())))
                .deadLetterRoot(warehouse.deadLetterRoot())
                .auditBucket(audit.bucket())
                .build();
    }

    /** The extra Hadoop Configuration keys of {@code warehouse.hadoop}, in file order (a copy). */
    public Map<String, String> hadoopConfiguration() {
        return new LinkedHashMap<>(warehouse.hadoop());
    }

    /** The Beam arguments of the runner section, the job named after this pipeline (see {@link RunnerConfig#toArgs}). */
    public String[] toPipelineArgs() {
        return runner.toArgs(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipelineDefinition p && name.equals(p.name) && source.equals(p.source)
                && warehouse.equals(p.warehouse) && tableDefaults.equals(p.tableDefaults) && tables.equals(p.tables)
                && runner.equals(p.runner) && audit.equals(p.audit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, source, warehouse, tableDefaults, tables, runner, audit);
    }

    @Override
    public String toString() {
        return "PipelineDefinition{name=" + name + ", origin=" + origin + ", source=" + source + ", warehouse="
                + warehouse + ", tableDefaults=" + tableDefaults + ", tables=" + tables + ", runner=" + runner + ", audit=" + audit + "}";
    }
}
