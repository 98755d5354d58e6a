package io.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableSinkSmokeTest {
    static final Schema V1 = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").requiredLong("ts").endRecord();
    static final long HOUR = 3_600_000L;
    static final long T0 = 1_764_000_000_000L - (1_764_000_000_000L % HOUR);

    @TempDir
    Path dir;

    static byte[] wire(int id, GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    static SinkRecord row(TableSpec spec, String topic, int p, long offset, long eventTime) throws IOException {
        GenericRecord r = new GenericData.Record(V1);
        r.put("id", topic + "-" + p + "-" + offset);
        r.put("ts", eventTime);
        return new SinkRecord(topic, p, offset, eventTime, eventTime, spec.partitioning().pathFor(eventTime, spec.zone()),
                1, null, wire(1, r), null);
    }

    @Test
    void commitsRowsOnceAcrossAReplay() throws Exception {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
        TableSink sink = TableSink.open(spec, new Configuration(), id -> V1, new MetricRegistry(), CommitHook.NONE);
        PartitionCommitter c = sink.committer("clicks", 0);
        assertThat(c.nextOffset()).isEqualTo(-1);
        List<SinkRecord> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(row(spec, "clicks", 0, i, T0 + i * (HOUR / 4)));
        }
        CommitResult r1 = c.commit(rows, List.of(), 9, 0);
        assertThat(r1.entry().files()).hasSize(3);
        CommitResult r2 = sink.committer("clicks", 0).commit(rows, List.of(), 9, 0);
        assertThat(r2.committed()).isFalse();
        assertThat(r2.skipped()).isEqualTo(10);
        List<GenericRecord> back = TableReader.open(spec, new Configuration()).readAll();
        assertThat(back).hasSize(10);
        assertThat(((GenericRecord) back.get(0).get("_sluice")).get("offset")).isEqualTo(0L);
        assertThat(Files.list(dir.resolve("wh/clicks")).map(p -> p.getFileName().toString()))
                .contains("_sluice").anyMatch(n -> n.startsWith("dt="));
        assertThat(sink.heads()).containsKey(new org.apache.kafka.common.TopicPartition("clicks", 0));
        assertThat(Map.of()).isEmpty();
    }
}
