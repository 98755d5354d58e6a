package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.V1;
import static io.sluice.sink.SinkFixtures.click;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each table keeps its schema history and takes a new writer schema only if it can read the whole table. */
class SchemaHistoryTest {
    static final Schema V2 = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").requiredString("region")
            .name("device").type().stringType().stringDefault("unknown").endRecord();
    /** Adds a field without a default: cannot read rows written before it. */
    static final Schema V3_NO_DEFAULT = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").requiredString("region")
            .name("device").type().stringType().stringDefault("unknown")
            .requiredInt("score").endRecord();
    /** Changes region from string to int. */
    static final Schema V3_NEW_TYPE = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").requiredInt("region")
            .name("device").type().stringType().stringDefault("unknown").endRecord();
    /** V1 with documentation and aliases only. */
    static final Schema V1_DOCUMENTED = new Schema.Parser().parse("""
            {"type":"record","name":"Click","namespace":"test","doc":"a click on a page","aliases":["test.Tap"],
             "fields":[{"name":"id","type":"string","doc":"the click's id","aliases":["click_id"]},
                       {"name":"ts","type":"long"},{"name":"region","type":"string"}]}""");

    @TempDir
    Path dir;
    final Configuration conf = new Configuration();
    final SinkFixtures.Registry registry = new SinkFixtures.Registry().with(2, V2).with(3, V3_NO_DEFAULT)
            .with(4, V3_NEW_TYPE).with(5, V1_DOCUMENTED).with(6, Schema.create(Schema.Type.STRING));

    TableSpec spec(String name) {
        return TableSpec.builder(name, dir.resolve("wh/" + name).toUri().toString()).build();
    }

    TableSink open(TableSpec spec) {
        return TableSink.open(spec, conf, registry, new MetricRegistry(), CommitHook.NONE);
    }

    static SinkRecord rowOf(TableSpec spec, Schema schema, int id, long offset) {
        GenericRecord r = click(schema.getField("region").schema().getType() == Schema.Type.INT ? V1 : schema,
                "clicks", 0, offset, T0);
        if (schema.getField("region").schema().getType() == Schema.Type.INT) {
            GenericRecord typed = new org.apache.avro.generic.GenericData.Record(schema);
            typed.put("id", r.get("id"));
            typed.put("ts", r.get("ts"));
            typed.put("region", 7);
            typed.put("device", "phone");
            return SinkFixtures.row(spec, id, typed, "clicks", 0, offset, T0);
        }
        if (schema.getField("device") != null) {
            r.put("device", "phone-" + offset);
        }
        if (schema.getField("score") != null) {
            r.put("score", 1);
        }
        return SinkFixtures.row(spec, id, r, "clicks", 0, offset, T0);
    }

    List<String> historyFiles(String table) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("wh/" + table + "/_sluice/schemas"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList();
        }
    }

    @Test
    void aNewVersionAddingAFieldWithADefaultIsTakenAndTheWholeTableReadsBackWithIt() throws IOException {
        // given rows of v1
        TableSpec spec = spec("t");
        PartitionCommitter c = open(spec).committer("clicks", 0);
        c.commit(rows(spec, "clicks", 0, 0, 4, o -> T0), List.of(), 4, 0);

        // when rows of v2 (a new field with a default) follow
        CommitResult r = c.commit(List.of(rowOf(spec, V2, 2, 5), rowOf(spec, V2, 2, 6)), List.of(), 6, 0);

        // then they are committed, the history has two versions, and every row reads back as v2
        assertThat(r.committed()).isTrue();
        assertThat(historyFiles("t")).hasSize(2);
        TableReader reader = TableReader.open(spec, conf);
        assertThat(reader.latestSchema().getField("device")).isNotNull();
        List<GenericRecord> back = reader.readAll();
        assertThat(back).hasSize(7).allSatisfy(row -> assertThat(row.getSchema().getField("device")).isNotNull());
        for (GenericRecord row : back) {
            long offset = SinkFixtures.offsetOf(row);
            assertThat(row.get("device").toString()).isEqualTo(offset < 5 ? "unknown" : "phone-" + offset);
        }
    }

    @Test
    void anIncompatibleVersionStopsThatTableForGoodAndLeavesTheOthersRunning() throws IOException {
        // given two tables in one warehouse, both with v1 and v2 rows
        TableSpec broken = spec("broken");
        TableSpec healthy = spec("healthy");
        PartitionCommitter b = open(broken).committer("clicks", 0);
        PartitionCommitter h = open(healthy).committer("clicks", 0);
        b.commit(List.of(rowOf(broken, V1, 1, 0), rowOf(broken, V2, 2, 1)), List.of(), 1, 0);
        h.commit(List.of(rowOf(healthy, V1, 1, 0)), List.of(), 0, 0);

        // when one table is handed a version that adds a field without a default
        assertThatThrownBy(() -> b.commit(List.of(rowOf(broken, V3_NO_DEFAULT, 3, 2)), List.of(), 2, 0))
                .isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("table broken is stopped")
                .hasMessageContaining("writer schema id 3")
                .hasMessageContaining("score");

        // then it records why, refuses even compatible rows, also after a restart
        assertThat(Files.readString(dir.resolve("wh/broken/_sluice/STOPPED"))).contains("writer schema id 3");
        assertThatThrownBy(() -> b.commit(List.of(rowOf(broken, V1, 1, 2)), List.of(), 2, 0))
                .isInstanceOf(TableStoppedException.class);
        TableSink reopened = open(broken);
        assertThat(reopened.stoppedReason()).hasValueSatisfying(reason -> assertThat(reason).contains("schema id 3"));
        assertThatThrownBy(() -> reopened.committer("clicks", 0).commit(List.of(rowOf(broken, V1, 1, 2)), List.of(), 2, 0))
                .isInstanceOf(TableStoppedException.class);
        assertThat(historyFiles("broken")).hasSize(2);
        // and the other table of the warehouse goes on
        assertThat(h.commit(List.of(rowOf(healthy, V1, 1, 1), rowOf(healthy, V2, 2, 2)), List.of(), 2, 0).committed())
                .isTrue();
        assertThat(TableReader.open(healthy, conf).readAll()).hasSize(3);
        assertThat(TableReader.open(broken, conf).readAll()).hasSize(2);
    }

    @Test
    void aVersionChangingAFieldTypeStopsTheTable() {
        TableSpec spec = spec("t");
        PartitionCommitter c = open(spec).committer("clicks", 0);
        c.commit(List.of(rowOf(spec, V2, 2, 0)), List.of(), 0, 0);

        assertThatThrownBy(() -> c.commit(List.of(rowOf(spec, V3_NEW_TYPE, 4, 1)), List.of(), 1, 0))
                .isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("writer schema id 4")
                .hasMessageContaining("region");
        assertThat(open(spec).stoppedReason()).isPresent();
    }

    @Test
    void aSchemaDifferingOnlyInDocsAndAliasesAddsNoVersion() throws IOException {
        TableSpec spec = spec("t");
        PartitionCommitter c = open(spec).committer("clicks", 0);
        c.commit(rows(spec, "clicks", 0, 0, 2, o -> T0), List.of(), 2, 0);

        CommitResult r = c.commit(List.of(rowOf(spec, V1_DOCUMENTED, 5, 3)), List.of(), 3, 0);

        assertThat(r.committed()).isTrue();
        assertThat(historyFiles("t")).hasSize(1);
        assertThat(TableReader.open(spec, conf).readAll()).hasSize(4);
    }

    @Test
    void aNonRecordWriterSchemaStopsATableWithTheMetadataField() throws IOException {
        TableSpec spec = spec("t");
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(0);
        wire.write(ByteBuffer.allocate(4).putInt(6).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(wire, null);
        enc.writeString("just a string");
        enc.flush();
        SinkRecord plain = new SinkRecord("clicks", 0, 0, T0, T0, "dt=2025-11-24/hr=16", 6, null, wire.toByteArray(), null);

        assertThatThrownBy(() -> open(spec).committer("clicks", 0).commit(List.of(plain), List.of(), 0, 0))
                .isInstanceOf(TableStoppedException.class)
                .hasMessageContaining("writer schema id 6")
                .hasMessageContaining("must be Avro records")
                .hasMessageContaining("metadata-field off");
    }

    @Test
    void aSchemaTheRegistryCannotFindFailsTheCommitButDoesNotStopTheTable() {
        TableSpec spec = spec("t");
        PartitionCommitter c = open(spec).committer("clicks", 0);
        SinkRecord unknown = rowOf(spec, V1, 99, 0);

        assertThatThrownBy(() -> c.commit(List.of(unknown), List.of(), 0, 0)).hasMessageContaining("unknown schema id 99");

        assertThat(open(spec).stoppedReason()).isEmpty();
        assertThat(c.commit(List.of(rowOf(spec, V1, 1, 0)), List.of(), 0, 0).committed()).isTrue();
    }

    @Test
    void theLatestVersionIsTheLastAddedEvenWhenItsClockWasBehind() throws IOException {
        // given v1 then v2, where v2 was added on a host whose clock ran an hour behind
        TableSpec spec = spec("t");
        PartitionCommitter c = open(spec).committer("clicks", 0);
        c.commit(List.of(rowOf(spec, V1, 1, 0)), List.of(), 0, 0);
        c.commit(List.of(rowOf(spec, V2, 2, 1)), List.of(), 1, 0);
        ObjectMapper json = new ObjectMapper();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir.resolve("wh/t/_sluice/schemas"))) {
            s.forEach(files::add);
        }
        for (Path f : files) {
            ObjectNode node = (ObjectNode) json.readTree(f.toFile());
            if (node.get("schema").toString().contains("device")) {
                node.put("addedAt", node.get("addedAt").asLong() - 3_600_000L);
                Files.write(f, json.writeValueAsBytes(node));
            }
        }

        // then the table still reads back with v2
        assertThat(TableReader.open(spec, conf).latestSchema().getField("device")).isNotNull();
    }
}
