package io.sluice.pipeline.config;

import java.util.Objects;

/**
 * One topic's table: its name and how it is written (the defaults with the topic's overrides applied).
 * Immutable.
 */
public record TableConfig(String topic, String table, TableOptions options) {
    public TableConfig {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(options, "options");
    }
}
