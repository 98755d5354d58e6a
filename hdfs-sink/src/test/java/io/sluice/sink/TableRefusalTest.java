package io.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a table refuses up front, each time with a message that names the thing to fix. */
class TableRefusalTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"s3a://bucket/warehouse/clicks", "gs://bucket/warehouse/clicks", "abfs://c@acct/wh/clicks"})
    void objectStoreRootsAreRefusedWhenTheTableIsOpened(String root) {
        TableSpec spec = TableSpec.builder("clicks", root).deadLetterRoot(dir.toUri().toString()).build();

        assertThatThrownBy(() -> SinkFixtures.open(spec, new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table root " + root)
                .hasMessageContaining("no atomic rename")
                .hasMessageContaining("use hdfs:// or file://");
        assertThatThrownBy(() -> TableReader.open(spec, new Configuration())).hasMessageContaining("no atomic rename");
    }

    @Test
    void aRootWithoutSchemeIsJudgedByTheDefaultFileSystem() {
        Configuration conf = new Configuration();
        conf.set("fs.defaultFS", "s3a://bucket");

        TableSpec spec = TableSpec.builder("clicks", "/warehouse/clicks").build();

        assertThatThrownBy(() -> SinkFixtures.open(spec, conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/warehouse/clicks")
                .hasMessageContaining("s3a has no atomic rename");
    }

    @Test
    void anUnknownSchemeIsRefused() {
        TableSpec spec = TableSpec.builder("clicks", "ftp://host/wh/clicks").build();

        assertThatThrownBy(() -> SinkFixtures.open(spec, new Configuration()))
                .hasMessageContaining("scheme 'ftp' is not known to rename atomically");
    }

    @Test
    void aDeadLetterRootInsideTheTableIsRefused() {
        String root = dir.resolve("wh/clicks").toUri().toString();
        TableSpec spec = TableSpec.builder("clicks", root).deadLetterRoot(root + "/errors").build();

        assertThatThrownBy(() -> SinkFixtures.open(spec, new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dead-letter root " + root + "/errors must not be inside the table root");
    }

    @Test
    void badOptionsNameTheOptionAndTheValue() {
        refused(b -> b.maxFileRecords(0), "maxFileRecords", "0");
        refused(b -> b.maxFileBytes(100), "maxFileBytes", "100");
        refused(b -> b.codec("lz4"), "codec", "lz4");
        refused(b -> b.zone("Mars/Olympus"), "zone", "Mars/Olympus");
        refused(b -> b.commitInterval(Duration.ZERO), "commitInterval", "PT0S");
        refused(b -> b.allowedLateness(Duration.ofMinutes(-1)), "allowedLateness", "PT-1M");
        refused(b -> b.deadLetterRoot("hdfs://nn/bad path"), "deadLetterRoot", "bad path");
        refused(b -> b.partitioning(Partitioning.FIELD).build(), "partitionField", "FIELD");
        refused(b -> b.partitionField("region").build(), "partitionField", "FIELD");
        refused(b -> b.partitioning(Partitioning.FIELD).partitionField("_region").build(), "partitionField", "_region");
        assertThatThrownBy(() -> TableSpec.builder("-clicks", "file:///wh")).hasMessageContaining("table name '-clicks'");
        assertThatThrownBy(() -> TableSpec.builder("clicks", "file:///wh/a b")).hasMessageContaining("root 'file:///wh/a b'");
        assertThatThrownBy(() -> Partitioning.parse("weekly")).hasMessageContaining("partitioning 'weekly'");
    }

    @Test
    void aSpecAcceptsTheDocumentedSpellingsAndKeepsItsDefaults() {
        TableSpec spec = TableSpec.builder("clicks", "hdfs://nn:8020/wh/clicks/").codec("ZSTD").zone("Europe/Berlin").build();

        assertThat(spec.codec()).isEqualTo("zstandard");
        assertThat(spec.root()).isEqualTo("hdfs://nn:8020/wh/clicks");
        assertThat(spec.deadLetterRoot()).isEqualTo("hdfs://nn:8020/wh/_dead_letters");
        assertThat(spec.partitioning()).isEqualTo(Partitioning.HOURLY);
        assertThat(spec.metadataField()).isTrue();
        assertThat(spec.toBuilder().codec("none").build().codec()).isEqualTo("null");
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
    }

    private static void refused(Consumer<TableSpec.Builder> change, String option, String value) {
        TableSpec.Builder b = TableSpec.builder("clicks", "file:///wh/clicks");
        assertThatThrownBy(() -> change.accept(b)).as(option)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option)
                .hasMessageContaining(value);
    }
}
