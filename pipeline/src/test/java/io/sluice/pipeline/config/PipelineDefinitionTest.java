package io.sluice.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.audit.AuditConfig;
import io.sluice.pipeline.DefinedPipeline;
import io.sluice.sink.GapPolicy;
import io.sluice.sink.Partitioning;
import io.sluice.sink.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading pipeline files: defaults, every section, tables per topic, Beam arguments, overrides. */
class PipelineDefinitionTest {
    /** The least a file needs. */
    static final String MINIMAL = """
            name: minimal
            source:
              bootstrap-servers: 127.0.0.1:9092
              topics: [clicks, views]
              schema-registry-url: http://127.0.0.1:8081
            warehouse:
              root: hdfs://nn:8020/warehouse
            """;

    /** Every key set, a pattern source with per-topic overrides. */
    static final String FULL = """
            name: shop
            source:
              bootstrap-servers: k1:9092,k2:9092
              topic-pattern: 'shop\\..*'
              schema-registry-url: https://registry:8081
              start-from: latest
              discovery-interval: 5m
              consumer:
                max.poll.records: 2000
                security.protocol: SSL
            warehouse:
              root: hdfs://nn:8020/warehouse/shop/
              dead-letter-root: hdfs:///dead
              hadoop:
                dfs.replication: 2
                fs.permissions.umask-mode: "022"
              claim-lease: 2m
            table-defaults:
              partitioning: field
              partition-field: country
              time-zone: Europe/Berlin
              codec: deflate
              max-file-records: 1_000
              max-file-bytes: 64MB
              commit-interval: 500ms
              allowed-lateness: PT2H
              metadata-field: false
              event-time-field: ts
              on-gap: record
            tables:
              shop.orders:
                table: orders
                partitioning: daily
                codec: zstd
                metadata-field: true
                on-gap: stop
              shop.stock:
                partition-field: store
            runner:
              type: flink
              flink-master: jobmanager:8081
              parallelism: 3
              checkpointing-interval: 2s
              max-bundle-size: 500
              max-bundle-time-ms: 250
              restart-attempts: 4
              extra:
                - "--objectReuse=true"
            audit:
              enabled: true
              topic: _shop_audit
              bucket: 5m
              publish-interval: 2s
              bootstrap-servers: audit1:9092,audit2:9092
            """;

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void minimalFileGetsEveryDefault() throws IOException {
        // when
        PipelineDefinition p = PipelineDefinition.load(write("minimal.yaml", MINIMAL));

        // then
        assertThat(p.name()).isEqualTo("minimal");
        assertThat(p.source()).isEqualTo(new SourceConfig("127.0.0.1:9092", List.of("clicks", "views"), null,
                "http://127.0.0.1:8081", SourceConfig.StartFrom.EARLIEST, Duration.ofSeconds(30), Map.of()));
        assertThat(p.warehouse()).isEqualTo(new WarehouseConfig("hdfs://nn:8020/warehouse",
                "hdfs://nn:8020/warehouse/_dead_letters", Map.of(), Duration.ofSeconds(60)));
        assertThat(p.tableDefaults()).isEqualTo(new TableOptions(Partitioning.HOURLY, null, "UTC", "snappy",
                1_000_000, 128L << 20, Duration.ofSeconds(10), Duration.ofHours(1), true, null, GapPolicy.STOP));
        assertThat(p.tables()).isEmpty();
        assertThat(p.runner()).isEqualTo(new RunnerConfig(RunnerConfig.Type.FLINK, "[local]", OptionalInt.empty(),
                Duration.ofSeconds(10), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), List.of()));
        assertThat(p.hadoopConfiguration()).isEmpty();
        assertThat(p.audit()).isEqualTo(new AuditSettings(false, "_sluice_audit", Duration.ofMinutes(10),
                Duration.ofSeconds(10), "127.0.0.1:9092"));
    }

    @Test
    void tableDefaultsAreTableSpecsOwnDefaults() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("minimal.yaml", MINIMAL));

        // when
        TableSpec spec = p.tableSpecFor("clicks");

        // then: the same spec as TableSpec.builder gives with nothing set (but the dead-letter root)
        assertThat(spec).isEqualTo(TableSpec.builder("clicks", "hdfs://nn:8020/warehouse/clicks")
                .deadLetterRoot("hdfs://nn:8020/warehouse/_dead_letters").build());
    }

    @Test
    void nameDefaultsToTheFileNameWithoutYaml() throws IOException {
        // given
        Path file = write("orders-ingest.yaml", MINIMAL.replace("name: minimal\n", ""));

        // when
        PipelineDefinition p = PipelineDefinition.load(file);

        // then
        assertThat(p.name()).isEqualTo("orders-ingest");
        assertThat(p.origin()).isEqualTo(file.toString());
    }

    @Test
    void readsEveryKey() throws IOException {
        // when
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));

        // then
        assertThat(p.name()).isEqualTo("shop");
        assertThat(p.source()).isEqualTo(new SourceConfig("k1:9092,k2:9092", List.of(), "shop\\..*",
                "https://registry:8081", SourceConfig.StartFrom.LATEST, Duration.ofMinutes(5),
                Map.of("max.poll.records", "2000", "security.protocol", "SSL")));
        assertThat(p.source().consumerProperties()).containsExactly(
                Map.entry("max.poll.records", "2000"), Map.entry("security.protocol", "SSL"),
                Map.entry("bootstrap.servers", "k1:9092,k2:9092"), Map.entry("auto.offset.reset", "latest"));
        assertThat(p.warehouse()).isEqualTo(new WarehouseConfig("hdfs://nn:8020/warehouse/shop", "hdfs:///dead",
                Map.of("dfs.replication", "2", "fs.permissions.umask-mode", "022"), Duration.ofMinutes(2)));
        assertThat(p.hadoopConfiguration()).containsExactly(Map.entry("dfs.replication", "2"),
                Map.entry("fs.permissions.umask-mode", "022"));
        TableOptions defaults = new TableOptions(Partitioning.FIELD, "country", "Europe/Berlin", "deflate", 1000,
                64_000_000, Duration.ofMillis(500), Duration.ofHours(2), false, "ts", GapPolicy.RECORD);
        assertThat(p.tableDefaults()).isEqualTo(defaults);
        assertThat(p.tables()).containsExactly(
                Map.entry("shop.orders", new TableConfig("shop.orders", "orders", new TableOptions(Partitioning.DAILY,
                        null, "Europe/Berlin", "zstd", 1000, 64_000_000, Duration.ofMillis(500), Duration.ofHours(2),
                        true, "ts", GapPolicy.STOP))),
                Map.entry("shop.stock", new TableConfig("shop.stock", "shop.stock", new TableOptions(Partitioning.FIELD,
                        "store", "Europe/Berlin", "deflate", 1000, 64_000_000, Duration.ofMillis(500),
                        Duration.ofHours(2), false, "ts", GapPolicy.RECORD))));
        assertThat(p.runner()).isEqualTo(new RunnerConfig(RunnerConfig.Type.FLINK, "jobmanager:8081",
                OptionalInt.of(3), Duration.ofSeconds(2), OptionalLong.of(500), OptionalLong.of(250),
                OptionalInt.of(4), List.of("--objectReuse=true")));
        assertThat(p.audit()).isEqualTo(new AuditSettings(true, "_shop_audit", Duration.ofMinutes(5),
                Duration.ofSeconds(2), "audit1:9092,audit2:9092"));
        AuditConfig publisher = p.audit().toAuditConfig();
        assertThat(publisher.topic()).isEqualTo("_shop_audit");
        assertThat(publisher.buckets().widthMillis()).isEqualTo(Duration.ofMinutes(5).toMillis());
        assertThat(publisher.publishInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(publisher.bootstrapServers()).isEqualTo("audit1:9092,audit2:9092");
    }

    @Test
    void theAuditBucketIsEveryTablesAuditBucket() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));

        // then: listed tables and tables only the pattern selects count in the audit's buckets
        assertThat(p.tableSpecFor("shop.orders").auditBucket()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.tableSpecFor("shop.returns").auditBucket()).isEqualTo(Duration.ofMinutes(5));
        assertThat(DefinedPipeline.ingest(p).tables().tableFor("shop.returns").auditBucket()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theAuditPublishesToTheSourcesLogUnlessToldOtherwise() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("minimal.yaml", MINIMAL + "audit:\n  enabled: true\n"));

        // when: the command line moves the source
        PipelineDefinition moved = p.withOverrides(Map.of("source.bootstrap-servers", "127.0.0.1:19092"));
        PipelineDefinition elsewhere = p.withOverrides(Map.of("audit.bootstrap-servers", "audit:9092",
                "audit.bucket", "1h"));

        // then
        assertThat(p.audit().enabled()).isTrue();
        assertThat(p.audit().bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(moved.audit().bootstrapServers()).isEqualTo("127.0.0.1:19092");
        assertThat(elsewhere.audit().bootstrapServers()).isEqualTo("audit:9092");
        assertThat(elsewhere.audit().bucket()).isEqualTo(Duration.ofHours(1));
        assertThat(elsewhere.source().bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void tableSpecForAListedTopicAppliesItsOverridesOnTheDefaults() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));

        // when
        TableSpec orders = p.tableSpecFor("shop.orders");

        // then: partitioning daily drops the defaults' partition field; the rest is inherited
        assertThat(orders.name()).isEqualTo("orders");
        assertThat(orders.root()).isEqualTo("hdfs://nn:8020/warehouse/shop/orders");
        assertThat(orders.partitioning()).isEqualTo(Partitioning.DAILY);
        assertThat(orders.partitionField()).isNull();
        assertThat(orders.codec()).isEqualTo("zstandard");
        assertThat(orders.metadataField()).isTrue();
        assertThat(orders.zone().getId()).isEqualTo("Europe/Berlin");
        assertThat(orders.maxFileRecords()).isEqualTo(1000);
        assertThat(orders.maxFileBytes()).isEqualTo(64_000_000);
        assertThat(orders.commitInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(orders.allowedLateness()).isEqualTo(Duration.ofHours(2));
        assertThat(orders.eventTimeField()).isEqualTo("ts");
        assertThat(orders.deadLetterRoot()).isEqualTo("hdfs:///dead");
    }

    @Test
    void tableSpecForATopicMatchedByThePatternButNotListedGetsTheDefaults() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));

        // when
        TableSpec payments = p.tableSpecFor("shop.payments");

        // then
        assertThat(payments).isEqualTo(p.tableDefaults().applyTo(
                TableSpec.builder("shop.payments", "hdfs://nn:8020/warehouse/shop/shop.payments"))
                .deadLetterRoot("hdfs:///dead").auditBucket(Duration.ofMinutes(5)).build());
        assertThat(payments.partitioning()).isEqualTo(Partitioning.FIELD);
        assertThat(payments.partitionField()).isEqualTo("country");
        assertThat(payments.codec()).isEqualTo("deflate");
        assertThat(payments.metadataField()).isFalse();
    }

    @Test
    void tableSpecForRefusesTopicsTheSourceDoesNotRead() throws IOException {
        // given
        PipelineDefinition pattern = PipelineDefinition.load(write("full.yaml", FULL));
        PipelineDefinition list = PipelineDefinition.load(write("minimal.yaml", MINIMAL));

        // then
        assertThatThrownBy(() -> pattern.tableSpecFor("billing.invoices"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pipeline shop does not read topic 'billing.invoices' (topic-pattern 'shop\\..*')");
        assertThatThrownBy(() -> list.tableSpecFor("orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pipeline minimal does not read topic 'orders' (topics [clicks, views])");
        // internal topics are never matched by a pattern
        PipelineDefinition all = pattern.withOverrides(Map.of("source.topic-pattern", ".*"));
        assertThat(all.source().selects("_schemas")).isFalse();
        assertThat(all.source().selects("__consumer_offsets")).isFalse();
        assertThat(all.source().selects("anything")).isTrue();
    }

    @Test
    void tableSpecForAMatchedTopicWhoseNameIsTakenByAListedTableIsRefused() throws IOException {
        // given: topic shop.orders writes the table "shop.x"; topic shop.x would write a table of the same name
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL))
                .withOverrides(Map.of("tables.shop.orders.table", "shop.x"));

        // then
        assertThatThrownBy(() -> p.tableSpecFor("shop.x"))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("tables.shop.x.table: topic 'shop.x' would write table 'shop.x', which is the "
                        + "table of topic 'shop.orders'");
    }

    @Test
    void plainLocalPathsBecomeAbsoluteFileUris() throws IOException {
        // given
        String relative = MINIMAL.replace("hdfs://nn:8020/warehouse", "./some/../wh");
        String absolute = MINIMAL.replace("hdfs://nn:8020/warehouse", dir.resolve("abs") + "/");
        String fileUri = MINIMAL.replace("hdfs://nn:8020/warehouse", "file:///tmp/x/../wh/");

        // when
        PipelineDefinition r = PipelineDefinition.parse(relative, "relative");
        PipelineDefinition a = PipelineDefinition.parse(absolute, "absolute");
        PipelineDefinition f = PipelineDefinition.parse(fileUri, "file uri");

        // then
        String cwd = Path.of("").toAbsolutePath().toString();
        assertThat(r.warehouse().root()).isEqualTo("file://" + cwd + "/wh");
        assertThat(r.warehouse().deadLetterRoot()).isEqualTo("file://" + cwd + "/wh/_dead_letters");
        assertThat(r.tableSpecFor("clicks").root()).isEqualTo("file://" + cwd + "/wh/clicks");
        assertThat(a.warehouse().root()).isEqualTo("file://" + dir.resolve("abs"));
        assertThat(f.warehouse().root()).isEqualTo("file:///tmp/wh");
        assertThat(java.net.URI.create(r.warehouse().root()).getPath()).isEqualTo(cwd + "/wh");
    }

    @Test
    void flinkArgumentsParseAsBeamFlinkOptions() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));

        // when
        String[] args = p.toPipelineArgs();
        FlinkPipelineOptions o = PipelineOptionsFactory.fromArgs(args).withValidation().as(FlinkPipelineOptions.class);

        // then
        assertThat(args).containsExactly("--runner=FlinkRunner", "--jobName=shop", "--streaming=true",
                "--flinkMaster=jobmanager:8081", "--checkpointingInterval=2000", "--parallelism=3",
                "--maxBundleSize=500", "--maxBundleTimeMills=250", "--numberOfExecutionRetries=4",
                "--stateBackend=filesystem", "--stateBackendStoragePath=" + RunnerConfig.defaultCheckpointDir("shop"),
                "--objectReuse=true");
        assertThat(o.getStateBackend()).isEqualTo("filesystem");
        assertThat(o.getRunner()).isEqualTo(FlinkRunner.class);
        assertThat(o.getJobName()).isEqualTo("shop");
        assertThat(o.as(StreamingOptions.class).isStreaming()).isTrue();
        assertThat(o.getFlinkMaster()).isEqualTo("jobmanager:8081");
        assertThat(o.getCheckpointingInterval()).isEqualTo(2000L);
        assertThat(o.getParallelism()).isEqualTo(3);
        assertThat(o.getMaxBundleSize()).isEqualTo(500L);
        assertThat(o.getMaxBundleTimeMills()).isEqualTo(250L);
        assertThat(o.getNumberOfExecutionRetries()).isEqualTo(4);
        assertThat(o.getObjectReuse()).isTrue();
    }

    @Test
    void defaultRunnerIsEmbeddedFlinkWithCheckpointing() throws IOException {
        // when
        String[] args = PipelineDefinition.load(write("minimal.yaml", MINIMAL)).toPipelineArgs();

        // then
        assertThat(args).containsExactly("--runner=FlinkRunner", "--jobName=minimal", "--streaming=true",
                "--flinkMaster=[local]", "--checkpointingInterval=10000", "--objectReuse=true", "--stateBackend=filesystem",
                "--stateBackendStoragePath=" + RunnerConfig.defaultCheckpointDir("minimal"));
        assertThat(PipelineOptionsFactory.fromArgs(args).as(FlinkPipelineOptions.class).getFlinkMaster())
                .isEqualTo("[local]");
    }

    @Test
    void aCheckpointPathAloneInExtraIsUsedWithTheFileSystemBackend() throws IOException {
        // given runner.extra naming where checkpoints go, as the README advises for a remote cluster
        PipelineDefinition p = PipelineDefinition.load(write("minimal.yaml", MINIMAL))
                .withOverrides(Map.of("runner.extra", "--stateBackendStoragePath=hdfs://nn:8020/flink/checkpoints"));

        // when
        String[] args = p.toPipelineArgs();
        FlinkPipelineOptions o = PipelineOptionsFactory.fromArgs(args).withValidation().as(FlinkPipelineOptions.class);

        // then Beam gets a backend to use it with, and the path is the file's, given once
        assertThat(o.getStateBackend()).isEqualTo("filesystem");
        assertThat(o.getStateBackendStoragePath()).isEqualTo("hdfs://nn:8020/flink/checkpoints");
        assertThat(Arrays.stream(args).filter(a -> a.startsWith("--stateBackendStoragePath"))).hasSize(1);

        // and a backend alone gets the default path
        String[] rocks = PipelineDefinition.load(write("minimal.yaml", MINIMAL))
                .withOverrides(Map.of("runner.extra", "--stateBackend=rocksdb")).toPipelineArgs();
        FlinkPipelineOptions r = PipelineOptionsFactory.fromArgs(rocks).as(FlinkPipelineOptions.class);
        assertThat(r.getStateBackend()).isEqualTo("rocksdb");
        assertThat(r.getStateBackendStoragePath()).isEqualTo(RunnerConfig.defaultCheckpointDir("minimal"));
    }

    @Test
    void directRunnerLeavesFlinkSettingsOut() throws IOException {
        // given: a file written for Flink, run on the DirectRunner
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL))
                .withOverrides(Map.of("runner.type", "direct", "runner.extra", ""));

        // when
        String[] args = p.toPipelineArgs();
        PipelineOptions o = PipelineOptionsFactory.fromArgs(args).withValidation().create();

        // then
        assertThat(args).containsExactly("--runner=DirectRunner", "--jobName=shop", "--streaming=true",
                "--targetParallelism=3");
        assertThat(o.getRunner()).isEqualTo(DirectRunner.class);
        assertThat(o.as(DirectOptions.class).getTargetParallelism()).isEqualTo(3);
    }

    @Test
    void overridesReplaceValuesByKeyPath() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("full.yaml", FULL));
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("source.bootstrap-servers", "127.0.0.1:19092");
        overrides.put("warehouse.root", dir.resolve("wh").toString());
        overrides.put("warehouse.dead-letter-root", ""); // back to the default, under the new root
        overrides.put("source.consumer.max.poll.records", "10");
        overrides.put("warehouse.hadoop.fs.defaultFS", "file:///");
        overrides.put("table-defaults.commit-interval", "1s");
        overrides.put("tables.shop.orders.codec", "none");
        overrides.put("tables.shop.new.table", "fresh");
        overrides.put("runner.parallelism", "1");
        overrides.put("runner.extra", "--objectReuse=false --fasterCopy=true");
        overrides.put("name", "shop-local");

        // when
        PipelineDefinition o = p.withOverrides(overrides);

        // then
        assertThat(o.name()).isEqualTo("shop-local");
        assertThat(o.origin()).isEqualTo(dir.resolve("full.yaml") + " with overrides");
        assertThat(o.source().bootstrapServers()).isEqualTo("127.0.0.1:19092");
        assertThat(o.source().consumer()).containsEntry("max.poll.records", "10").containsEntry("security.protocol", "SSL");
        assertThat(o.warehouse().root()).isEqualTo("file://" + dir.resolve("wh"));
        assertThat(o.warehouse().deadLetterRoot()).isEqualTo("file://" + dir.resolve("wh") + "/_dead_letters");
        assertThat(o.hadoopConfiguration()).containsEntry("fs.defaultFS", "file:///").containsEntry("dfs.replication", "2");
        assertThat(o.tableDefaults().commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.tableFor("shop.orders").options().codec()).isEqualTo("none");
        assertThat(o.tableFor("shop.orders").options().commitInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.tableFor("shop.new").table()).isEqualTo("fresh");
        assertThat(o.runner().parallelism()).hasValue(1);
        assertThat(o.runner().extra()).containsExactly("--objectReuse=false", "--fasterCopy=true");
        // the original is unchanged
        assertThat(p).isEqualTo(PipelineDefinition.load(dir.resolve("full.yaml")));
        assertThat(p.source().bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        assertThat(p.withOverrides(Map.of())).isSameAs(p);
    }

    @Test
    void overridingTopicsReplacesThePatternAndTheOtherWayRound() throws IOException {
        // given
        PipelineDefinition pattern = PipelineDefinition.load(write("full.yaml", FULL));
        PipelineDefinition list = PipelineDefinition.load(write("minimal.yaml", MINIMAL));

        // when
        PipelineDefinition toList = pattern.withOverrides(Map.of("source.topics", "shop.orders, shop.stock"));
        PipelineDefinition toPattern = list.withOverrides(Map.of("source.topic-pattern", "c.*"));

        // then
        assertThat(toList.source().topics()).containsExactly("shop.orders", "shop.stock");
        assertThat(toList.source().topicPattern()).isNull();
        assertThat(toPattern.source().topics()).isEmpty();
        assertThat(toPattern.source().selects("clicks")).isTrue();
        assertThat(toPattern.source().selects("views")).isFalse();
        assertThatThrownBy(() -> list.withOverrides(Map.of("source.topic-pattern", "c.*", "source.topics", "a")))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("source.topic-pattern: overrides set both source.topics and source.topic-pattern");
    }

    @Test
    void overridesAreCheckedLikeTheFile() throws IOException {
        // given
        PipelineDefinition p = PipelineDefinition.load(write("minimal.yaml", MINIMAL));

        // then
        assertThatThrownBy(() -> p.withOverrides(Map.of("source.bootstrap-server", "x:1")))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageStartingWith(dir.resolve("minimal.yaml") + " with overrides: source.bootstrap-server: "
                        + "unknown key to override (known: name, source.bootstrap-servers,");
        assertThatThrownBy(() -> p.withOverrides(Map.of("tables.clicks.colour", "red")))
                .hasMessageContaining("tables.clicks.colour: unknown key to override");
        assertThatThrownBy(() -> p.withOverrides(Map.of("runner.parallelism", "many")))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessage(dir.resolve("minimal.yaml") + " with overrides: runner.parallelism: 'many' is not a whole "
                        + "number in [1, 2147483647]");
        assertThatThrownBy(() -> p.withOverrides(Map.of("warehouse.root", "s3a://bucket/wh")))
                .hasMessageContaining("warehouse.root: s3a has no atomic rename");
        assertThatThrownBy(() -> p.withOverrides(Map.of("source.bootstrap-servers", "")))
                .hasMessageContaining("source.bootstrap-servers: required");
    }

    @Test
    void aDocumentWithEveryKeyListsEveryKeyPath() {
        assertThat(PipelineKeys.ALL).containsExactly("name",
                "source.bootstrap-servers", "source.topics", "source.topic-pattern", "source.schema-registry-url",
                "source.start-from", "source.discovery-interval", "source.consumer",
                "warehouse.root", "warehouse.dead-letter-root", "warehouse.hadoop", "warehouse.claim-lease",
                "table-defaults.partitioning", "table-defaults.partition-field", "table-defaults.time-zone",
                "table-defaults.codec", "table-defaults.max-file-records", "table-defaults.max-file-bytes",
                "table-defaults.commit-interval", "table-defaults.allowed-lateness", "table-defaults.metadata-field",
                "table-defaults.event-time-field", "table-defaults.on-gap",
                "tables.<topic>.table",
                "runner.type", "runner.flink-master", "runner.parallelism", "runner.checkpointing-interval",
                "runner.max-bundle-size", "runner.max-bundle-time-ms", "runner.restart-attempts", "runner.extra",
                "audit.enabled", "audit.topic", "audit.bucket", "audit.publish-interval", "audit.bootstrap-servers");
    }
}
