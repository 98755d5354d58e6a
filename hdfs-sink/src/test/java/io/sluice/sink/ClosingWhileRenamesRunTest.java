package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition is closed only from commits whose files are all in place: a source partition whose newest commit is
 * between its journal entry and its renames counts with what it had in place before. And a commit that lands rows in a
 * partition closed meanwhile (it was not among the commits the close was decided on) leaves a late marker. Two
 * writers with sinks of their own, as in two JVMs.
 */
class ClosingWhileRenamesRunTest {
    static final long MINUTE = 60_000L;
    static final String HR16 = "dt=2025-11-24/hr=16";

    @TempDir
    Path dir;
    final Configuration conf = new Configuration();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    TableSpec spec() {
        // a commit interval of a millisecond: each commit reads the other writer's journal afresh
        return TableSpec.builder("t", dir.resolve("wh/t").toUri().toString()).allowedLateness(Duration.ofMinutes(30))
                .commitInterval(Duration.ofMillis(1)).build();
    }

    TableSink open(TableSpec spec, CommitHook hook) {
        TableSink sink = TableSink.open(spec, conf, new SinkFixtures.Registry(), new MetricRegistry(), hook);
        sink.expectSources(List.of(new TopicPartition("clicks", 0), new TopicPartition("clicks", 1)));
        return sink;
    }

    CommitResult commit(PartitionCommitter c, TableSpec spec, long offset, long... eventTimes) {
        List<SinkRecord> rows = new java.util.ArrayList<>();
        for (int i = 0; i < eventTimes.length; i++) {
            rows.add(row(spec, "clicks", c.partition(), offset + i, eventTimes[i]));
        }
        return c.commit(rows, List.of(), offset + eventTimes.length - 1, 0);
    }

    boolean closed(String partition) {
        return Files.exists(dir.resolve("wh/t/" + partition + "/_SUCCESS"));
    }

    List<String> names(String partition) throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("wh/t/" + partition))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aPartitionIsNotClosedWhileACommitOfRowsInItIsBetweenItsEntryAndItsRenames() throws Exception {
        // given p1 at 16:05, p0 at 17:40
        TableSpec spec = spec();
        PausingHook pauseP1 = new PausingHook(PausingHook.Point.AFTER_JOURNAL, 1);
        PartitionCommitter p0 = open(spec, CommitHook.NONE).committer("clicks", 0);
        PartitionCommitter p1 = open(spec, pauseP1).committer("clicks", 1);
        commit(p1, spec, 0, T0 + 5 * MINUTE);
        commit(p0, spec, 0, T0 + 100 * MINUTE);

        // when p1 commits 17:40 and a row of 16:20, and is held after its journal entry, before its renames
        Future<CommitResult> held = threads.submit(() -> commit(p1, spec, 1, T0 + 100 * MINUTE, T0 + 20 * MINUTE));
        pauseP1.awaitPaused();
        // and p0 commits again, reading p1's new entry
        CommitResult p0Again = commit(p0, spec, 1, T0 + 105 * MINUTE);

        // then hour 16 stays open: p1's 16:20 row is not in place yet
        assertThat(p0Again.closedPartitions()).isEmpty();
        assertThat(closed(HR16)).as("_SUCCESS in hour 16 while p1's renames are pending").isFalse();

        // when p1's renames are done
        pauseP1.release();
        CommitResult p1Done = held.get(30, TimeUnit.SECONDS);

        // then hour 16 closes, after p1's file, which is not late
        assertThat(p1Done.closedPartitions()).containsExactly(HR16);
        assertThat(p1Done.latePartitions()).isEmpty();
        assertThat(names(HR16)).contains("clicks+1+2+2.avro", "_SUCCESS").noneMatch(n -> n.startsWith("_LATE"));
        assertThat(Files.size(dir.resolve("wh/t/" + HR16 + "/_SUCCESS"))).as("_SUCCESS, empty as Hadoop's").isZero();
    }

    @Test
    void aCommitWhoseRowsLandInAPartitionClosedMeanwhileLeavesALateMarker() throws Exception {
        // given rows in hour 16 and both sources past 17:30, so that hour 16 is due
        TableSpec spec = spec();
        PausingHook pauseP1 = new PausingHook(PausingHook.Point.AFTER_JOURNAL, 1);
        PartitionCommitter p0 = open(spec, CommitHook.NONE).committer("clicks", 0);
        PartitionCommitter p1 = open(spec, pauseP1).committer("clicks", 1);
        commit(p1, spec, 0, T0 + 100 * MINUTE);
        commit(p0, spec, 0, T0 + 10 * MINUTE);

        // when p1 commits a late row of 16:20 and is held before its renames, hour 16 still open
        Future<CommitResult> held = threads.submit(() -> commit(p1, spec, 1, T0 + 20 * MINUTE));
        pauseP1.awaitPaused();
        assertThat(closed(HR16)).isFalse();
        // and p0's next commit closes hour 16 on what p1 had in place (17:40, its previous commit)
        assertThat(commit(p0, spec, 1, T0 + 105 * MINUTE).closedPartitions()).containsExactly(HR16);
        pauseP1.release();
        CommitResult late = held.get(30, TimeUnit.SECONDS);

        // then the closer noted that it closed hour 16 without p1's pending commit 2, before writing _SUCCESS
        assertThat(Files.exists(dir.resolve("wh/t/_sluice/journal/clicks+1/_closed-without.2.dt=2025-11-24+hr=16")))
                .isTrue();
        // and p1's row is in hour 16, and the partition says it changed after it was closed
        assertThat(late.latePartitions()).containsExactly(HR16);
        assertThat(names(HR16)).contains("clicks+1+1+1.avro", "_LATE.clicks+1+2.json");
        JsonNode marker = new ObjectMapper().readTree(dir.resolve("wh/t/" + HR16 + "/_LATE.clicks+1+2.json").toFile());
        assertThat(marker.path("records").asLong()).isEqualTo(1);
        // and a restart (recovery of p1's newest entry) does not mark it twice
        open(spec, CommitHook.NONE).committer("clicks", 1);
        assertThat(names(HR16).stream().filter(n -> n.startsWith("_LATE"))).hasSize(1);
    }
}
