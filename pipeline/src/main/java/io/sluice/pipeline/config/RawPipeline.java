package io.sluice.pipeline.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A pipeline file as written: every scalar as its text, null when the key is absent or has no value.
 * Jackson binds the YAML onto these records and refuses keys they do not declare; {@link Resolver} checks
 * the values and turns them into {@link PipelineDefinition}'s typed sections. The {@link JsonProperty}
 * names are the file's keys, and {@link PipelineKeys} reads them from here (one list of keys).
 */
record RawPipeline(
        @JsonProperty("name") String name,
        @JsonProperty("source") Source source,
        @JsonProperty("warehouse") Warehouse warehouse,
        @JsonProperty("table-defaults") Table tableDefaults,
        @JsonProperty("tables") Map<String, Table> tables,
        @JsonProperty("runner") Runner runner,
        @JsonProperty("audit") Audit audit) {

    record Source(
            @JsonProperty("bootstrap-servers") String bootstrapServers,
            @JsonProperty("topics") List<String> topics,
            @JsonProperty("topic-pattern") String topicPattern,
            @JsonProperty("schema-registry-url") String schemaRegistryUrl,
            @JsonProperty("start-from") String startFrom,
            @JsonProperty("discovery-interval") String discoveryInterval,
            @JsonProperty("consumer") Map<String, String> consumer) {
    }

    record Warehouse(
            @JsonProperty("root") String root,
            @JsonProperty("dead-letter-root") String deadLetterRoot,
            @JsonProperty("hadoop") Map<String, String> hadoop,
            @JsonProperty("claim-lease") String claimLease) {
    }

    /** table-defaults, and each entry of tables (where {@code table} is also allowed). */
    record Table(
            @JsonProperty("table") String table,
            @JsonProperty("partitioning") String partitioning,
            @JsonProperty("partition-field") String partitionField,
            @JsonProperty("time-zone") String timeZone,
            @JsonProperty("codec") String codec,
            @JsonProperty("max-file-records") String maxFileRecords,
            @JsonProperty("max-file-bytes") String maxFileBytes,
            @JsonProperty("commit-interval") String commitInterval,
            @JsonProperty("allowed-lateness") String allowedLateness,
            @JsonProperty("metadata-field") String metadataField,
            @JsonProperty("event-time-field") String eventTimeField,
            @JsonProperty("on-gap") String onGap) {
    }

    record Runner(
            @JsonProperty("type") String type,
            @JsonProperty("flink-master") String flinkMaster,
            @JsonProperty("parallelism") String parallelism,
            @JsonProperty("checkpointing-interval") String checkpointingInterval,
            @JsonProperty("max-bundle-size") String maxBundleSize,
            @JsonProperty("max-bundle-time-ms") String maxBundleTimeMs,
            @JsonProperty("restart-attempts") String restartAttempts,
            @JsonProperty("extra") List<String> extra) {
    }

    record Audit(
            @JsonProperty("enabled") String enabled,
            @JsonProperty("topic") String topic,
            @JsonProperty("bucket") String bucket,
            @JsonProperty("publish-interval") String publishInterval,
            @JsonProperty("bootstrap-servers") String bootstrapServers) {
    }
}
