package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beam's KafkaIO, unchanged, reads a bounded range of a log-core topic through the Kafka-protocol
 * server on the DirectRunner: every record comes back once with its partition, offset, create time,
 * key and value.
 */
class KafkaIoDirectRunnerTest {
    static final String TOPIC = "events";
    static final int PARTITIONS = 4;
    static final int RECORDS = 10_000;
    static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    @TempDir
    Path dir;
    LogCoreBroker broker;

    @BeforeEach
    void start() {
        broker = LogCoreBroker.start(dir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void boundedReadFromEarliestReturnsEveryProducedRecordOnce() throws Exception {
        // given 10,000 records over 4 partitions, keys and values strings, known create times
        List<LogCoreBroker.Produced> produced = broker.createAndProduce(TOPIC, PARTITIONS, RECORDS, BASE_TIMESTAMP);

        // when a bounded KafkaIO read starts at the earliest offsets and stops after that many records
        Pipeline pipeline = Pipeline.create(directOptions());
        PCollection<String> read = pipeline
                .apply(read(RECORDS).withConsumerConfigUpdates(
                        Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")))
                .apply(MapElements.via(new Describe()));

        // then exactly the produced records come back, each once
        PAssert.that(read).satisfies(new ExactlyTheseRecords("records read from the earliest offsets",
                produced.stream().map(LogCoreBroker.Produced::description).toList()));
        PAssert.thatSingleton(read.apply(Count.globally())).isEqualTo((long) RECORDS);
        PipelineResult.State state = pipeline.run().waitUntilFinish();
        assertThat(state).as("final state of the DirectRunner pipeline").isEqualTo(PipelineResult.State.DONE);
    }

    @Test
    void boundedReadFromStartReadTimeReturnsTheRecordsAtOrAfterThatTime() throws Exception {
        // given 2,000 records whose create times rise by 10 ms per record
        int n = 2_000;
        List<LogCoreBroker.Produced> produced = broker.createAndProduce(TOPIC, PARTITIONS, n, BASE_TIMESTAMP);
        long startTime = BASE_TIMESTAMP + (n / 2) * 10L;
        List<String> expected = produced.stream().filter(p -> p.timestamp() >= startTime)
                .map(LogCoreBroker.Produced::description).toList();
        assertThat(expected).as("records at or after the start time").hasSize(n / 2);

        // when KafkaIO starts each partition at the offset ListOffsets gives for the start time
        Pipeline pipeline = Pipeline.create(directOptions());
        PCollection<String> read = pipeline
                .apply(read(expected.size()).withStartReadTime(new Instant(startTime)))
                .apply(MapElements.via(new Describe()));

        // then exactly the later half comes back
        PAssert.that(read).satisfies(new ExactlyTheseRecords("records read from " + startTime, expected));
        PipelineResult.State state = pipeline.run().waitUntilFinish();
        assertThat(state).as("final state of the DirectRunner pipeline").isEqualTo(PipelineResult.State.DONE);
    }

    private KafkaIO.Read<String, String> read(long maxRecords) {
        return KafkaIO.<String, String>read()
                .withBootstrapServers(broker.bootstrap())
                .withTopic(TOPIC)
                .withKeyDeserializer(StringDeserializer.class)
                .withValueDeserializer(StringDeserializer.class)
                .withMaxNumRecords(maxRecords)
                // a safety stop: a read that falls short ends and fails the assertions instead of hanging
                .withMaxReadTime(Duration.standardSeconds(60));
    }

    private static PipelineOptions directOptions() {
        DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
        options.setRunner(DirectRunner.class);
        // The per-element immutability and coder round-trip checks police user DoFns and coders, not the
        // server under test, and double the run time of 10,000 records.
        options.setEnforceImmutability(false);
        options.setEnforceEncodability(false);
        return options;
    }

    /** A record as text: topic, partition, offset, timestamp type and value, key and value. */
    static final class Describe extends SimpleFunction<KafkaRecord<String, String>, String> {
        @Override
        public String apply(KafkaRecord<String, String> r) {
            return LogCoreBroker.describe(r.getTopic(), r.getPartition(), r.getOffset(),
                    r.getTimestampType().toString(), r.getTimestamp(), r.getKV().getKey(), r.getKV().getValue());
        }
    }
}
