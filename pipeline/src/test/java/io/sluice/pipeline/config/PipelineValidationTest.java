package io.sluice.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad pipeline files are refused with the file, the key path, the value and what is expected. */
class PipelineValidationTest {
    private static final String MINIMAL = PipelineDefinitionTest.MINIMAL;

    @TempDir
    Path dir;

    /** Loads {@code yaml} from p.yaml and expects it refused; the message starts with the file. */
    private AbstractThrowableAssert<?, ? extends Throwable> refused(String yaml) throws IOException {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, yaml);
        return assertThatThrownBy(() -> PipelineDefinition.load(file))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageStartingWith(file.toString());
    }

    private String file() {
        return dir.resolve("p.yaml").toString();
    }

    /** The start of a message about {@code line} of p.yaml. */
    private String at(int line) {
        return file() + ", line " + line + ": ";
    }

    @Test
    void unknownKeyIsNamedWithItsPathAndLine() throws IOException {
        refused(MINIMAL.replace("  bootstrap-servers:", "  bootstrap-server:"))
                .hasMessageStartingWith(file() + ", line 3: source.bootstrap-server: unknown key 'bootstrap-server' "
                        + "(known here: bootstrap-servers, topics, topic-pattern, schema-registry-url, start-from, "
                        + "discovery-interval, consumer)");
    }

    @Test
    void unknownKeysAreRefusedAtEveryLevel() throws IOException {
        refused(MINIMAL + "colour: red\n")
                .hasMessageStartingWith(file() + ", line 8: colour: unknown key 'colour'");
        refused(MINIMAL + "tables:\n  clicks:\n    codecs: zstd\n")
                .hasMessageStartingWith(file() + ", line 10: tables.clicks.codecs: unknown key 'codecs'");
        refused(MINIMAL + "runner:\n  flink_master: x:1\n")
                .hasMessageStartingWith(file() + ", line 9: runner.flink_master: unknown key 'flink_master'");
    }

    @Test
    void badYamlIsRefusedWithTheLine() throws IOException {
        refused(MINIMAL + "runner:\n  type: [flink\n")
                .hasMessageContaining("not valid YAML");
        refused(MINIMAL + "name: again\n")
                .hasMessageContaining("line 8")
                .hasMessageContaining("Duplicate field 'name'");
        refused("").hasMessage(file() + ": empty: expected a pipeline definition (name, source, warehouse, "
                + "table-defaults, tables, runner, audit)");
        refused("- a\n- b\n").hasMessage(file() + ": expected a mapping of keys (name, source, ...), found a list");
    }

    @Test
    void wrongShapesAreRefused() throws IOException {
        refused(MINIMAL.replace("root: hdfs://nn:8020/warehouse", "root: [a, b]"))
                .hasMessageContaining(": warehouse.root: expected a single value");
        refused(MINIMAL + "tables:\n  clicks: zstd\n")
                .hasMessageContaining("tables.clicks: expected a mapping");
        refused(MINIMAL + "runner:\n  flink-master: [local]\n")
                .hasMessageContaining("runner.flink-master: expected a single value")
                .hasMessageContaining("\"[local]\"");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> PipelineDefinition.load(missing))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessage(missing + ": pipeline file does not exist");
    }

    @Test
    void requiredKeysAreNamed() throws IOException {
        refused(MINIMAL.replace("  bootstrap-servers: 127.0.0.1:9092\n", ""))
                .hasMessage(at(2) + "source.bootstrap-servers: required: host:port of the log (log-core or a Kafka "
                        + "cluster), comma-separated for several");
        refused(MINIMAL.replace("  schema-registry-url: http://127.0.0.1:8081\n", ""))
                .hasMessageContaining(": source.schema-registry-url: required");
        refused(MINIMAL.replace("warehouse:\n  root: hdfs://nn:8020/warehouse\n", ""))
                .hasMessageContaining(": warehouse.root: required");
        assertThatThrownBy(() -> PipelineDefinition.parse(MINIMAL.replace("name: minimal\n", ""), "text"))
                .hasMessage("text: name: required: the pipeline's name");
    }

    @Test
    void badDurationNamesTheKey() throws IOException {
        refused(MINIMAL + "table-defaults:\n  commit-interval: 10 seconds\n")
                .hasMessage(at(9) + "table-defaults.commit-interval: '10 seconds' is not a duration (a whole "
                        + "number with a unit: 500ms, 10s, 5m, 1h, 2d; or ISO-8601 such as PT1M30S)");
        refused(MINIMAL + "tables:\n  clicks:\n    allowed-lateness: 1w\n")
                .hasMessageContaining(": tables.clicks.allowed-lateness: '1w' is not a duration");
        refused(MINIMAL + "table-defaults:\n  commit-interval: 0s\n")
                .hasMessage(at(9) + "table-defaults.commit-interval: '0s' is below the least, 1ms");
        refused(MINIMAL.replace("  schema-registry-url", "  discovery-interval: 100ms\n  schema-registry-url"))
                .hasMessage(at(5) + "source.discovery-interval: '100ms' is below the least, 1s");
    }

    @Test
    void topicsAndPatternTogetherOrNeitherAreRefused() throws IOException {
        refused(MINIMAL.replace("  topics: [clicks, views]\n", "  topics: [clicks, views]\n  topic-pattern: 'c.*'\n"))
                .hasMessage(at(5) + "source.topic-pattern: set either topics or topic-pattern, not both");
        refused(MINIMAL.replace("  topics: [clicks, views]\n", ""))
                .hasMessage(at(2) + "source: set topics (a list of topic names) or topic-pattern (a regex over "
                        + "topic names)");
        refused(MINIMAL.replace("  topics: [clicks, views]\n", "  topics: []\n"))
                .hasMessageContaining(": source.topics: empty");
        refused(MINIMAL.replace("  topics: [clicks, views]\n", "  topic-pattern: 'shop.(*'\n"))
                .hasMessageContaining(": source.topic-pattern: 'shop.(*' is not a valid regex");
        refused(MINIMAL.replace("[clicks, views]", "[clicks, 'bad topic', views]"))
                .hasMessageContaining(": source.topics[1]: 'bad topic' is not a topic name");
        refused(MINIMAL.replace("[clicks, views]", "[clicks, views, clicks]"))
                .hasMessageContaining(": source.topics[2]: topic 'clicks' is listed twice");
    }

    @Test
    void fieldPartitioningNeedsAPartitionField() throws IOException {
        refused(MINIMAL + "table-defaults:\n  partitioning: field\n")
                .hasMessage(at(8) + "table-defaults.partition-field: required with partitioning: field (the record "
                        + "field whose value names each partition directory)");
        refused(MINIMAL + "tables:\n  clicks:\n    partitioning: field\n")
                .hasMessageContaining(": tables.clicks.partition-field: required with partitioning: field");
        refused(MINIMAL + "tables:\n  clicks:\n    partition-field: country\n")
                .hasMessage(at(10) + "tables.clicks.partition-field: only with partitioning: field (partitioning "
                        + "here is hourly)");
        refused(MINIMAL + "tables:\n  clicks:\n    partitioning: field\n    partition-field: 'geo.country'\n")
                .hasMessageContaining(": tables.clicks.partition-field: 'geo.country' is not an Avro field name");
    }

    @Test
    void unknownEnumValuesListTheKnownOnes() throws IOException {
        refused(MINIMAL + "tables:\n  clicks:\n    partitioning: weekly\n")
                .hasMessage(at(10) + "tables.clicks.partitioning: unknown value 'weekly' (hourly, daily, field)");
        refused(MINIMAL + "tables:\n  clicks:\n    codec: lz4\n")
                .hasMessage(at(10) + "tables.clicks.codec: unknown value 'lz4' (snappy, deflate, zstd, none)");
        refused(MINIMAL + "runner:\n  type: spark\n")
                .hasMessage(at(9) + "runner.type: unknown value 'spark' (flink, direct)");
        refused(MINIMAL.replace("  schema-registry-url", "  start-from: middle\n  schema-registry-url"))
                .hasMessage(at(5) + "source.start-from: unknown value 'middle' (earliest, latest)");
        refused(MINIMAL + "table-defaults:\n  metadata-field: yes please\n")
                .hasMessage(at(9) + "table-defaults.metadata-field: 'yes please' is not true or false");
        refused(MINIMAL + "table-defaults:\n  time-zone: Mars/Olympus\n")
                .hasMessageContaining(": table-defaults.time-zone: unknown time zone 'Mars/Olympus'");
    }

    @Test
    void badSizesAndNumbersAreRefused() throws IOException {
        refused(MINIMAL + "table-defaults:\n  max-file-bytes: 128 megs\n")
                .hasMessageContaining(": table-defaults.max-file-bytes: '128 megs' is not a size");
        refused(MINIMAL + "table-defaults:\n  max-file-bytes: 512\n")
                .hasMessage(at(9) + "table-defaults.max-file-bytes: '512' is below the least, 1KiB (1024 bytes)");
        refused(MINIMAL + "table-defaults:\n  max-file-records: 0\n")
                .hasMessageContaining(": table-defaults.max-file-records: '0' is not a whole number in [1, ...]");
        refused(MINIMAL + "runner:\n  restart-attempts: -1\n")
                .hasMessageContaining(": runner.restart-attempts: '-1' is not a whole number in [0, 2147483647]");
    }

    @Test
    void storesWithoutAtomicRenameAreRefused() throws IOException {
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "s3a://bucket/warehouse"))
                .hasMessage(at(7) + "warehouse.root: s3a has no atomic rename, and Sluice commits files by renaming "
                        + "them: 's3a://bucket/warehouse' cannot be a warehouse; use hdfs://, file:// or a local path");
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "gs://bucket/warehouse"))
                .hasMessageContaining(": warehouse.root: gs has no atomic rename");
        refused(MINIMAL + "  dead-letter-root: s3a://bucket/dead\n")
                .hasMessageContaining(": warehouse.dead-letter-root: s3a has no atomic rename");
    }

    @Test
    void badWarehouseLocationsAreRefused() throws IOException {
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "file://warehouse"))
                .hasMessageContaining(": warehouse.root: 'file://warehouse' names the host 'warehouse': write "
                        + "file:///absolute/path (three slashes) or a plain path");
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "ftp://host/warehouse"))
                .hasMessageContaining(": warehouse.root: unsupported scheme 'ftp'");
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "'/my warehouse'"))
                .hasMessageContaining(": warehouse.root: '/my warehouse' contains whitespace");
        refused(MINIMAL.replace("hdfs://nn:8020/warehouse", "/"))
                .hasMessageContaining(": warehouse.root: '/' is the file-system root");
    }

    @Test
    void badAddressesAreRefused() throws IOException {
        refused(MINIMAL.replace("127.0.0.1:9092", "127.0.0.1:9092,localhost"))
                .hasMessage(at(3) + "source.bootstrap-servers: 'localhost' is not host:port (in "
                        + "'127.0.0.1:9092,localhost')");
        refused(MINIMAL.replace("http://127.0.0.1:8081", "127.0.0.1:8081"))
                .hasMessage(at(5) + "source.schema-registry-url: '127.0.0.1:8081' is not an http:// or https:// URL");
        refused(MINIMAL + "runner:\n  flink-master: local\n")
                .hasMessage(at(9) + "runner.flink-master: 'local' is not [local], [auto] or the host:port of a "
                        + "Flink JobManager");
    }

    @Test
    void tablesMustBeTopicsTheSourceReadsEachWithItsOwnTable() throws IOException {
        refused(MINIMAL + "tables:\n  orders: {}\n")
                .hasMessage(at(9) + "tables.orders: topic 'orders' is not in source.topics [clicks, views]");
        refused(MINIMAL.replace("topics: [clicks, views]", "topic-pattern: 'c.*'") + "tables:\n  views: {}\n")
                .hasMessage(at(9) + "tables.views: topic 'views' does not match source.topic-pattern 'c.*'");
        refused(MINIMAL + "tables:\n  clicks:\n    table: views\n")
                .hasMessage(at(4) + "source.topics: table 'views' of topic 'views' is already the table of topic "
                        + "'clicks'; each topic needs its own table");
        refused(MINIMAL + "tables:\n  clicks:\n    table: _dead_letters\n")
                .hasMessageContaining(": tables.clicks.table: '_dead_letters' is not a table name");
        refused(MINIMAL + "table-defaults:\n  table: everything\n")
                .hasMessageContaining(": table-defaults.table: only allowed under tables.<topic>");
    }

    @Test
    void consumerPropertiesThatSluiceSetsAreRefused() throws IOException {
        refused(MINIMAL.replace("  schema-registry-url", "  consumer:\n    auto.offset.reset: latest\n  schema-registry-url"))
                .hasMessage(at(6) + "source.consumer.auto.offset.reset: cannot be set here: set by source.start-from");
        refused(MINIMAL.replace("  schema-registry-url", "  consumer:\n    max.poll.records:\n  schema-registry-url"))
                .hasMessage(at(6) + "source.consumer.max.poll.records: required: a value");
    }

    @Test
    void extraBeamArgumentsCannotRepeatGeneratedOnes() throws IOException {
        refused(MINIMAL + "runner:\n  extra:\n    - '--objectReuse=true'\n    - '--parallelism=4'\n")
                .hasMessage(at(11) + "runner.extra[1]: --parallelism is set by runner.parallelism");
        refused(MINIMAL + "runner:\n  extra:\n    - 'objectReuse=true'\n")
                .hasMessage(at(10) + "runner.extra[0]: 'objectReuse=true' is not a Beam argument (--name=value or "
                        + "--name)");
    }

    @Test
    void badAuditSettingsAreNamedWithTheirKeyAndLine() throws IOException {
        refused(MINIMAL + "audit:\n  enabled: always\n")
                .hasMessage(at(9) + "audit.enabled: 'always' is not true or false");
        refused(MINIMAL + "audit:\n  enabled: true\n  bucket: 90500ms\n")
                .hasMessage(at(10) + "audit.bucket: '90500ms' is not a whole number of seconds");
        refused(MINIMAL + "audit:\n  bucket: 0s\n")
                .hasMessage(at(9) + "audit.bucket: '0s' is below the least, 1s");
        refused(MINIMAL + "audit:\n  publish-interval: 10ms\n")
                .hasMessage(at(9) + "audit.publish-interval: '10ms' is below the least, 100ms");
        refused(MINIMAL + "audit:\n  bootstrap-servers: audit-host\n")
                .hasMessage(at(9) + "audit.bootstrap-servers: 'audit-host' is not host:port (in 'audit-host')");
        refused(MINIMAL + "audit:\n  topic: 'audit topic'\n")
                .hasMessageContaining(": audit.topic: 'audit topic' is not a topic name");
        refused(MINIMAL + "audit:\n  every: 5m\n")
                .hasMessageStartingWith(at(9) + "audit.every: unknown key 'every' (known here: enabled, topic, bucket, "
                        + "publish-interval, bootstrap-servers)");
    }

    @Test
    void theAuditTopicCannotBeATopicTheSourceIngests() throws IOException {
        refused(MINIMAL + "audit:\n  enabled: true\n  topic: clicks\n")
                .hasMessage(at(10) + "audit.topic: the source reads topic 'clicks' itself: the audit topic holds audit "
                        + "messages, not data for a table (name another topic, or take it out of the source)");
    }

    @Test
    void exceptionCarriesOriginAndKeyPath() throws IOException {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, MINIMAL + "tables:\n  clicks:\n    codec: lz4\n");
        PipelineConfigException e = org.junit.jupiter.api.Assertions.assertThrows(PipelineConfigException.class,
                () -> PipelineDefinition.load(file));
        assertThat(e.origin()).isEqualTo(file.toString());
        assertThat(e.keyPath()).isEqualTo("tables.clicks.codec");
    }
}
