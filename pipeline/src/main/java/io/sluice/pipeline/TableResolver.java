package io.sluice.pipeline;

import io.sluice.sink.TableSpec;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which table a topic's records go to. Called on the workers for every record, so an implementation should be
 * cheap (cache what it builds) and must be serializable. Several topics may share a table.
 */
@FunctionalInterface
public interface TableResolver extends Serializable {

    /** The table for {@code topic}; never null. */
    TableSpec tableFor(String topic);

    /**
     * The locations tables and dead letters go under that are known before any topic exists (a warehouse
     * root, a dead-letter root, the roots of listed tables): {@link IngestionJob} checks at start that it can
     * write there, so that a wrong path is found then and not when the first record arrives. Empty by default.
     */
    default java.util.Set<String> roots() {
        return java.util.Set.of();
    }

    /**
     * One table per topic, named after the topic, rooted at {@code <warehouseUri>/<topic>}, with every other
     * setting (partitioning, codec, rolling, lateness, dead-letter root, …) taken from {@code template}. The
     * template's own name and root are not used.
     */
    static TableResolver underWarehouse(String warehouseUri, TableSpec template) {
        return new WarehouseResolver(warehouseUri, template);
    }

    /** {@link TableResolver#underWarehouse}: a value, so two pipelines built the same way are equal. */
    final class WarehouseResolver implements TableResolver {
        private static final long serialVersionUID = 1L;

        private final String warehouse;
        private final TableSpec template;
        private transient Map<String, TableSpec> specs;

        WarehouseResolver(String warehouseUri, TableSpec template) {
            Objects.requireNonNull(warehouseUri, "warehouseUri");
            this.warehouse = warehouseUri.endsWith("/") ? warehouseUri.substring(0, warehouseUri.length() - 1)
                    : warehouseUri;
            this.template = Objects.requireNonNull(template, "template");
        }

        @Override
        public TableSpec tableFor(String topic) {
            if (specs == null) {
                specs = new ConcurrentHashMap<>();
            }
            return specs.computeIfAbsent(topic, this::build);
        }

        private TableSpec build(String topic) {
            // every setting of the template (a setting added to TableSpec later is carried without a change here)
            TableSpec.Builder b = template.toBuilder(topic, warehouse + "/" + topic);
            return b.build();
        }

        public String warehouse() {
            return warehouse;
        }

        @Override
        public java.util.Set<String> roots() {
            return template.deadLetterRoot() == null ? java.util.Set.of(warehouse)
                    : java.util.Set.of(warehouse, template.deadLetterRoot());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WarehouseResolver w && w.warehouse.equals(warehouse) && w.template.equals(template);
        }

        @Override
        public int hashCode() {
            return warehouse.hashCode() * 31 + template.hashCode();
        }

        @Override
        public String toString() {
            return "tables under " + warehouse + " like " + template;
        }
    }
}
