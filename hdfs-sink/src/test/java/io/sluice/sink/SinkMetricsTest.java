package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.HOUR;
import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.deadLetter;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table's Dropwizard metrics follow what its commits did. */
class SinkMetricsTest {
    @TempDir
    Path dir;

    @Test
    void commitsCountRecordsBytesDeadLettersReplaysAndLateRecordsAndLeaveNoFileOpen() {
        MetricRegistry metrics = new MetricRegistry();
        List<Long> openDuringCommit = new ArrayList<>();
        String base = "sluice.sink.clicks.";
        CommitHook hook = new CommitHook() {
            private static final long serialVersionUID = 1L;

            @Override
            public void afterFilesWritten(JournalEntry entry) {
                openDuringCommit.add(metrics.counter(base + "files-open").getCount());
            }
        };
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString())
                .allowedLateness(Duration.ZERO).build();
        PartitionCommitter c = TableSink.open(spec, new Configuration(), new SinkFixtures.Registry(), metrics, hook)
                .committer("clicks", 0);

        // given two commits (the second reaching 18:00, so hour 16 closes), a replay and a late row
        CommitResult first = c.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(deadLetter("clicks", 0, 10, T0)), 10, 0);
        CommitResult second = c.commit(rows(spec, "clicks", 0, 11, 15, o -> T0 + 2 * HOUR), List.of(), 15, 0);
        c.commit(rows(spec, "clicks", 0, 5, 15, o -> T0), List.of(), 15, 0);
        CommitResult late = c.commit(rows(spec, "clicks", 0, 16, 17, o -> T0), List.of(), 17, 0);

        // then
        assertThat(metrics.meter(base + "records-committed").getCount()).isEqualTo(17);
        assertThat(metrics.meter(base + "bytes-committed").getCount())
                .isEqualTo(first.entry().bytes() + second.entry().bytes() + late.entry().bytes()).isPositive();
        assertThat(metrics.meter(base + "commits").getCount()).isEqualTo(3);
        assertThat(metrics.meter(base + "dead-letters").getCount()).isEqualTo(1);
        assertThat(metrics.counter(base + "replayed-skipped").getCount()).isEqualTo(11);
        assertThat(metrics.counter(base + "late-records").getCount()).isEqualTo(2);
        assertThat(metrics.counter(base + "partitions-closed").getCount()).isEqualTo(1);
        assertThat(metrics.timer(base + "commit-latency").getCount()).isEqualTo(3);
        assertThat(metrics.counter(base + "files-open").getCount()).isZero();
        assertThat(openDuringCommit).containsOnly(0L).hasSize(3);
    }
}
