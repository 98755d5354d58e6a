package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sink.TableSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/** Options are checked where they are set, and missing ones where the transform is applied, naming the method. */
class SluiceIngestOptionsTest {
    static final TableSpec TEMPLATE = TableSpec.builder("template", "file:///wh/template").codec("zstd")
            .auditBucket(java.time.Duration.ofMinutes(5)).build();

    SluiceIngest complete() {
        return SluiceIngest.create().withBootstrapServers("127.0.0.1:9092").withTopics(List.of("a"))
                .withSchemaRegistryUrl("http://127.0.0.1:8081")
                .withTables(TableResolver.underWarehouse("file:///wh", TEMPLATE));
    }

    @Test
    void missingOptionsAreRefusedNamingTheMethod() {
        assertThatThrownBy(() -> Pipeline.create(PipelineOptionsFactory.create()).apply(SluiceIngest.create()))
                .hasMessageContaining("withBootstrapServers() is required");
        assertThatThrownBy(() -> SluiceIngest.create().withBootstrapServers("h:1").validate())
                .hasMessageContaining("withTopics() or withTopicPattern() is required");
        assertThatThrownBy(() -> SluiceIngest.create().withBootstrapServers("h:1").withTopicPattern("x.*").validate())
                .hasMessageContaining("withSchemaRegistryUrl() is required");
        assertThatThrownBy(() -> SluiceIngest.create().withBootstrapServers("h:1").withTopicPattern("x.*")
                .withSchemaRegistryUrl("http://h:2").validate()).hasMessageContaining("withTables() is required");
        complete().validate();
    }

    @Test
    void topicsAndPatternAreExclusive() {
        assertThatThrownBy(() -> complete().withTopicPattern("a.*")).hasMessageContaining("exclusive");
        assertThatThrownBy(() -> SluiceIngest.create().withTopicPattern("a.*").withTopics(List.of("a")))
                .hasMessageContaining("exclusive");
    }

    @Test
    void positionsAreNotTheConsumerGroupsBusiness() {
        assertThatThrownBy(() -> complete().withConsumerConfig(Map.of("enable.auto.commit", "true")))
                .hasMessageContaining("enable.auto.commit");
        assertThatThrownBy(() -> complete().withConsumerConfig(Map.of("auto.offset.reset", "latest")))
                .hasMessageContaining("withStartFrom()");
    }

    @Test
    void withMethodsCopy() {
        SluiceIngest a = complete();
        SluiceIngest b = a.withStartFrom(StartFrom.LATEST);
        assertThat(a.startFrom()).isEqualTo(StartFrom.EARLIEST);
        assertThat(b.startFrom()).isEqualTo(StartFrom.LATEST);
        assertThat(b.withResolvedTopics(List.of("x", "y")).topics()).containsExactly("x", "y");
    }

    @Test
    void underWarehouseNamesTheTableAfterTheTopicAndKeepsTheTemplate() {
        TableSpec t = TableResolver.underWarehouse("file:///wh/", TEMPLATE).tableFor("events.page");
        assertThat(t.name()).isEqualTo("events.page");
        assertThat(t.root()).isEqualTo("file:///wh/events.page");
        assertThat(t.codec()).isEqualTo("zstandard");
        assertThat(t.deadLetterRoot()).isEqualTo(TEMPLATE.deadLetterRoot());
        assertThat(t.auditBucket()).isEqualTo(TEMPLATE.auditBucket());
    }

    @Test
    void underWarehouseKeepsTheTemplatesAuditBucket() {
        // the sink counts in the table's buckets: dropped, they would not line up with the other tiers' buckets
        TableSpec fiveMinutes = TEMPLATE.toBuilder().auditBucket(Duration.ofMinutes(5)).build();
        assertThat(TableResolver.underWarehouse("file:///wh", fiveMinutes).tableFor("a").auditBucket())
                .isEqualTo(Duration.ofMinutes(5));
    }
}
