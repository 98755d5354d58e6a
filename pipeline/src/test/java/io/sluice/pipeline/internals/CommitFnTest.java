package io.sluice.pipeline.internals;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import io.sluice.pipeline.TableResolver;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.SchemaRegistry;
import io.sluice.sink.CommitHook;
import io.sluice.sink.DeadLetter;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.SinkRecord;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestStream;
import org.joda.time.Duration;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit step on its own (DirectRunner, a local-file table, the real registry): the file limits commit early,
 * a commit covers filtered records and dead letters, and a stopped table takes nothing.
 */
class CommitFnTest {
    static final Schema CLICK = SchemaBuilder.record("Click").namespace("test").fields()
            .requiredString("id").endRecord();

    @TempDir
    static Path dir;
    static LogManager log;
    static KafkaServer kafka;
    static SchemaRegistry registry;
    static String registryUrl;
    static int clickId;

    @BeforeAll
    static void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir.resolve("log")));
        kafka = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        registry = SchemaRegistry.start(new RegistryConfig("127.0.0.1", 0, "127.0.0.1:" + kafka.port()));
        registryUrl = "http://127.0.0.1:" + registry.port();
        clickId = Registries.client(registryUrl).register("clicks-value", CLICK);
    }

    @AfterAll
    static void stop() {
        registry.close();
        kafka.close();
        log.close();
    }

    static TableResolver tables(String warehouse, long maxFileRecords) {
        return TableResolver.underWarehouse(dir.resolve(warehouse).toUri().toString(),
                TableSpec.builder("t", dir.resolve(warehouse + "/t").toUri().toString())
                        .maxFileRecords(maxFileRecords).build());
    }

    static List<KV<String, SinkElement>> elements(String topic, int n) throws Exception {
        List<KV<String, SinkElement>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SinkElement e;
            if (i == 3) {
                e = SinkElement.filtered(i);
            } else if (i == 7) {
                e = SinkElement.deadLetter(new DeadLetter(topic, 0, i, 1000 + i, null, new byte[] {9}, "bad", "X"));
            } else {
                GenericRecord r = new GenericData.Record(CLICK);
                r.put("id", "c" + i);
                byte[] wire = RecordDecoderTest.wire(clickId, CLICK, r);
                e = SinkElement.row(new SinkRecord(topic, 0, i, 1000 + i, 1000 + i, "dt=1970-01-01/hr=00", clickId,
                        null, wire, null));
            }
            // the reader started at offset 0: the consumer marks the first record it reads
            out.add(KV.of(CommitKey.of(topic, topic, 0), i == 0 ? e.startingRead() : e));
        }
        return out;
    }

    /**
     * Runs the commit step over {@code input} in offset order (as KafkaIO delivers one partition), in bundles of
     * five, then lets more than the commit interval pass on the processing-time clock.
     */
    static void run(TableResolver tables, List<KV<String, SinkElement>> input) {
        TestStream.Builder<KV<String, SinkElement>> stream =
                TestStream.create(KvCoder.of(StringUtf8Coder.of(), SinkElementCoder.of()));
        for (int i = 0; i < input.size(); i += 5) {
            List<KV<String, SinkElement>> bundle = input.subList(i, Math.min(i + 5, input.size()));
            stream = stream.addElements(bundle.get(0), bundle.subList(1, bundle.size()).toArray(KV[]::new));
        }
        Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
        p.apply(stream.advanceProcessingTime(Duration.standardSeconds(30)).advanceWatermarkToInfinity())
                .apply(ParDo.of(new CommitFn(tables, registryUrl, Map.of(), CommitHook.NONE,
                        io.sluice.sink.PipelineRun.unclaimed("commit-fn-test"))));
        assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    }

    @Test
    void theRecordLimitCommitsEarlyAndEachCommitCoversItsFilteredRecordsAndDeadLetters() throws Exception {
        TableResolver tables = tables("early", 5);
        run(tables, elements("clicks", 10));

        TableSpec spec = tables.tableFor("clicks");
        TableSink sink = TableSink.open(spec, new Configuration(), id -> CLICK, new MetricRegistry(), CommitHook.NONE);
        JournalEntry head = sink.heads().get(new TopicPartition("clicks", 0));
        assertThat(head.nextOffset()).as("journal next offset").isEqualTo(10);
        assertThat(head.seq()).as("commits: two of five elements each").isEqualTo(2);
        TableReader reader = TableReader.open(spec, new Configuration());
        assertThat(reader.readAll()).as("rows").hasSize(8);
        assertThat(reader.deadLetters()).as("dead letters").hasSize(1);
    }

    @Test
    void elementsArrivingOutOfOffsetOrderAcrossBundlesAndCommitsAreEachCommittedOnce() throws Exception {
        // given a partition's 40 elements in shuffled order, in bundles of four, a commit interval passing after each
        TableResolver tables = tables("shuffled", 1_000);
        List<KV<String, SinkElement>> input = new ArrayList<>(elements("clicks", 40));
        // the first one read comes first; the rest in any order
        java.util.Collections.shuffle(input.subList(1, input.size()), new java.util.Random(20261208L));
        TestStream.Builder<KV<String, SinkElement>> stream =
                TestStream.create(KvCoder.of(StringUtf8Coder.of(), SinkElementCoder.of()));
        for (int i = 0; i < input.size(); i += 4) {
            List<KV<String, SinkElement>> bundle = input.subList(i, Math.min(i + 4, input.size()));
            stream = stream.addElements(bundle.get(0), bundle.subList(1, bundle.size()).toArray(KV[]::new))
                    .advanceProcessingTime(Duration.standardSeconds(30));
        }

        // when the commit step runs over them
        Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
        p.apply(stream.advanceProcessingTime(Duration.standardSeconds(30)).advanceWatermarkToInfinity())
                .apply(ParDo.of(new CommitFn(tables, registryUrl, Map.of(), CommitHook.NONE,
                        io.sluice.sink.PipelineRun.unclaimed("commit-fn-test"))));
        assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

        // then every row and dead letter is in the table once, and the journal covers every offset
        TableSpec spec = tables.tableFor("clicks");
        TableSink sink = TableSink.open(spec, new Configuration(), id -> CLICK, new MetricRegistry(), CommitHook.NONE);
        assertThat(sink.heads().get(new TopicPartition("clicks", 0)).nextOffset()).isEqualTo(40);
        TableReader reader = TableReader.open(spec, new Configuration());
        assertThat(reader.readAll()).extracting(r -> ((GenericRecord) r.get("_sluice")).get("offset"))
                .as("rows, each once").hasSize(38).doesNotHaveDuplicates();
        assertThat(reader.deadLetters()).hasSize(1);
        assertThat(sink.heads().get(new TopicPartition("clicks", 0)).seq()).as("commits").isGreaterThan(1);
    }

    @Test
    void aStoppedTableTakesNoCommitAndCountsWhatItHeldBack() throws Exception {
        TableResolver tables = tables("stopped", 1_000);
        TableSpec spec = tables.tableFor("clicks");
        TableSink.open(spec, new Configuration(), id -> CLICK, new MetricRegistry(), CommitHook.NONE)
                .stop("stopped by the test");
        TableSinks.forget(spec);
        long before = PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_HELD_BY_STOPPED_TABLE);

        run(tables, elements("clicks", 6));

        assertThat(PipelineMetrics.dropwizardCount(PipelineMetrics.RECORDS_HELD_BY_STOPPED_TABLE) - before)
                .as("records held back by the stopped table").isEqualTo(6);
        TableSink sink = TableSink.open(spec, new Configuration(), id -> CLICK, new MetricRegistry(), CommitHook.NONE);
        assertThat(sink.heads()).as("journal of the stopped table").isEmpty();
        assertThat(TableReader.open(spec, new Configuration()).committedFiles()).isEmpty();
    }
}
