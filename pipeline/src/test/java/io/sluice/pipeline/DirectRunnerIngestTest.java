package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.sink.TableReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the DirectRunner: Avro records spread over several hours go from log-core through the
 * registry into an hourly-partitioned table on HDFS, each exactly once, and a second run resumes at the journal.
 */
class DirectRunnerIngestTest {
    @TempDir
    static Path dir;
    static IngestEnvironment env;

    @BeforeAll
    static void start() throws Exception {
        env = IngestEnvironment.start(dir);
    }

    @AfterAll
    static void stop() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void everyRecordLandsOnceInTheHourOfItsTimestampAndARestartResumesAtTheJournal() throws Exception {
        // given 1,200 page views over 5 hours in a 3-partition topic (log timestamp = view time)
        String topic = "pageviews";
        env.createTopic(topic, 3);
        List<GenericRecord> first = Rows.pageViews("a", 1_200, 5);
        List<IngestEnvironment.Sent> sent = new ArrayList<>(env.produce(topic, first, Rows.times(first)));
        SluiceIngest ingest = env.ingest("/wh", List.of(topic));

        // when the job runs on the DirectRunner until the journals cover the log end
        try (IngestionJob job = IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT)
                .discoveryInterval(Duration.ofSeconds(2)).build()) {
            job.start();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(60))).as("caught up: %s", job).isTrue();
        }

        // then the table holds every record once, with its metadata, in the hour of its timestamp
        TableReader reader = env.reader("/wh", topic);
        List<GenericRecord> rows = reader.readAll();
        Rows.assertExactlyOnce("after the first run", rows, sent);
        for (GenericRecord row : rows) {
            assertThat(Rows.metaTimestamp(row)).isEqualTo(row.get("viewed_at"));
        }
        Set<String> hours = new HashSet<>();
        for (org.apache.hadoop.fs.Path file : reader.committedFiles()) {
            String hour = file.getParent().getParent().getName() + "/" + file.getParent().getName();
            hours.add(hour);
            reader.read(file, null, row -> assertThat(Rows.hourPath(Rows.metaTimestamp(row)))
                    .as("hour directory of %s", Rows.source(row)).isEqualTo(hour));
        }
        assertThat(hours).as("hour partitions").hasSize(5).contains(Rows.hourPath(Rows.T0));

        // and when more records arrive and a new job starts, it resumes at the journal: nothing twice
        List<GenericRecord> second = Rows.pageViews("b", 200, 1);
        sent.addAll(env.produce(topic, second, Rows.times(second)));
        try (IngestionJob job = IngestionJob.builder(ingest).runner(IngestionJob.Runner.DIRECT)
                .discoveryInterval(Duration.ofSeconds(2)).build()) {
            job.start();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(60))).as("caught up again: %s", job).isTrue();
        }
        Rows.assertExactlyOnce("after the second run", env.reader("/wh", topic).readAll(), sent);
    }
}
