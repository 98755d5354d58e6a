package io.sluice.pipeline.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The keys of a pipeline file, in file order, read from the {@link JsonProperty} names of the records the
 * YAML is bound onto, so the list cannot drift from what the loader accepts. Key paths join keys with
 * '.'; under {@code tables} the topic name stands in as {@value #TOPIC_PLACEHOLDER}.
 */
public final class PipelineKeys {
    public static final String NAME = "name";
    public static final String SOURCE = "source";
    public static final String WAREHOUSE = "warehouse";
    public static final String TABLE_DEFAULTS = "table-defaults";
    public static final String TABLES = "tables";
    public static final String RUNNER = "runner";
    public static final String AUDIT = "audit";
    /** Under {@code tables.<topic>} only: the table's name (the topic's name by default). */
    public static final String TABLE = "table";
    public static final String TOPIC_PLACEHOLDER = "<topic>";

    /** Top-level keys. */
    public static final List<String> TOP_LEVEL = keysOf(RawPipeline.class);
    public static final List<String> SOURCE_KEYS = keysOf(RawPipeline.Source.class);
    public static final List<String> WAREHOUSE_KEYS = keysOf(RawPipeline.Warehouse.class);
    /** Keys of {@code table-defaults}; each may also be set under {@code tables.<topic>}. */
    public static final List<String> TABLE_OPTION_KEYS = keysOf(RawPipeline.Table.class).stream()
            .filter(k -> !k.equals(TABLE)).toList();
    public static final List<String> RUNNER_KEYS = keysOf(RawPipeline.Runner.class);
    public static final List<String> AUDIT_KEYS = keysOf(RawPipeline.Audit.class);

    /** Key paths that hold a mapping of free-form keys (Kafka or Hadoop property names, which contain dots). */
    public static final List<String> MAP_KEYS = List.of("source.consumer", "warehouse.hadoop");
    /** Key paths that hold a list. */
    public static final List<String> LIST_KEYS = List.of("source.topics", "runner.extra");

    /**
     * Every key path a file may set, in file order; under tables only {@code tables.<topic>.table} is
     * listed, the other keys there being {@link #TABLE_OPTION_KEYS}.
     */
    public static final List<String> ALL = all();

    private PipelineKeys() {
    }

    private static List<String> all() {
        List<String> all = new ArrayList<>();
        all.add(NAME);
        SOURCE_KEYS.forEach(k -> all.add(SOURCE + "." + k));
        WAREHOUSE_KEYS.forEach(k -> all.add(WAREHOUSE + "." + k));
        TABLE_OPTION_KEYS.forEach(k -> all.add(TABLE_DEFAULTS + "." + k));
        all.add(TABLES + "." + TOPIC_PLACEHOLDER + "." + TABLE);
        RUNNER_KEYS.forEach(k -> all.add(RUNNER + "." + k));
        AUDIT_KEYS.forEach(k -> all.add(AUDIT + "." + k));
        return List.copyOf(all);
    }

    private static List<String> keysOf(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(PipelineKeys::keyOf)
                .toList();
    }

    private static String keyOf(RecordComponent c) {
        // JsonProperty does not target RECORD_COMPONENT; Java copies it onto the accessor (a METHOD)
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        if (p == null) {
            throw new IllegalStateException(c + " has no @JsonProperty: every key of a pipeline file is named");
        }
        return p.value();
    }
}
