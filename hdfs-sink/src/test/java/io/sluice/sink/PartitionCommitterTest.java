package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.meta;
import static io.sluice.sink.SinkFixtures.row;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offset bookkeeping of one source partition's commits. */
class PartitionCommitterTest {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    TableSpec spec() {
        return TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
    }

    @Test
    void theFirstRangeStartsAtTheFirstOffsetItIsKnownToCoverFilteredRecordsIncluded() {
        TableSpec spec = spec();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        // offsets 100..104 were filtered out, 105..109 are rows
        JournalEntry e = c.commit(rows(spec, "clicks", 0, 105, 109, o -> T0), List.of(), 109, 5).entry();

        assertThat(e.fromOffset()).isEqualTo(100);
        assertThat(e.toOffset()).isEqualTo(109);
        assertThat(e.seq()).isEqualTo(1);
        assertThat(c.nextOffset()).isEqualTo(110);
    }

    @Test
    void aFirstRangeOfFilteredRecordsOnlyIsRecordedSoTheSourceDoesNotReadItAgain() {
        PartitionCommitter c = SinkFixtures.open(spec(), conf).committer("clicks", 0);

        CommitResult r = c.commit(List.of(), List.of(), 49, 50);

        assertThat(r.committed()).isTrue();
        assertThat(r.entry().fromOffset()).isZero();
        assertThat(r.entry().filtered()).isEqualTo(50);
        assertThat(c.nextOffset()).isEqualTo(50);
        assertThat(SinkFixtures.open(spec(), conf).committer("clicks", 0).nextOffset()).isEqualTo(50);
    }

    @Test
    void withNothingConsumedAndNothingCommittedThereIsNothingToRecord() {
        PartitionCommitter c = SinkFixtures.open(spec(), conf).committer("clicks", 0);

        assertThat(c.commit(List.of(), List.of(), 9, 0).committed()).isFalse();
        assertThat(c.nextOffset()).isEqualTo(-1);
        assertThat(c.isCommitted(0)).isFalse();
    }

    @Test
    void aRangeWithoutRowsAfterTheFirstCommitStillMovesTheJournalOn() {
        TableSpec spec = spec();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);
        c.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);

        // offsets 10..20 were compacted away or were transaction markers
        JournalEntry e = c.commit(List.of(), List.of(), 20, 0).entry();

        assertThat(e.fromOffset()).isEqualTo(10);
        assertThat(e.records()).isZero();
        assertThat(e.files()).isEmpty();
        assertThat(c.nextOffset()).isEqualTo(21);
        assertThat(c.isCommitted(20)).isTrue();
    }

    @Test
    void theSameOffsetHandedInTwiceIsWrittenOnceAndCountedAsSkipped() {
        TableSpec spec = spec();
        MetricRegistry metrics = new MetricRegistry();
        PartitionCommitter c = TableSink.open(spec, conf, new SinkFixtures.Registry(), metrics, CommitHook.NONE)
                .committer("clicks", 0);
        List<SinkRecord> rows = new ArrayList<>(rows(spec, "clicks", 0, 0, 4, o -> T0));
        rows.add(row(spec, "clicks", 0, 2, T0));
        rows.add(row(spec, "clicks", 0, 4, T0));
        Collections.shuffle(rows, new java.util.Random(1));

        CommitResult r = c.commit(rows, List.of(SinkFixtures.deadLetter("clicks", 0, 5, T0),
                SinkFixtures.deadLetter("clicks", 0, 5, T0)), 5, 0);

        assertThat(r.entry().records()).isEqualTo(5);
        assertThat(r.entry().deadLetters()).isEqualTo(1);
        assertThat(r.skipped()).isEqualTo(3);
        assertThat(metrics.counter("sluice.sink.clicks.replayed-skipped").getCount()).isEqualTo(3);
        assertThat(TableReader.open(spec, conf).readAll()).extracting(SinkFixtures::offsetOf)
                .containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void aRecordPastThroughOffsetIsRefusedRatherThanSilentlyDropped() {
        TableSpec spec = spec();
        PartitionCommitter c = SinkFixtures.open(spec, conf).committer("clicks", 0);

        assertThatThrownBy(() -> c.commit(rows(spec, "clicks", 0, 0, 10, o -> T0), List.of(), 9, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clicks-0@10")
                .hasMessageContaining("through offset 9");

        assertThat(c.nextOffset()).isEqualTo(-1);
        assertThat(TableReader.open(spec, conf).readAll()).isEmpty();
    }

    @Test
    void committersOfDifferentSourcePartitionsCanCommitInParallelThroughOneSink() throws Exception {
        TableSpec spec = TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString())
                .partitioning(Partitioning.DAILY).build();
        TableSink sink = SinkFixtures.open(spec, conf);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                PartitionCommitter c = sink.committer("clicks", p);
                int source = p;
                done.add(pool.submit(() -> {
                    for (long from = 0; from < 600; from += 100) {
                        c.commit(rows(spec, "clicks", source, from, from + 99, o -> T0), List.of(), from + 99, 0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<GenericRecord> back = TableReader.open(spec, conf).readAll();
        assertThat(back).hasSize(1800).allSatisfy(r -> assertThat(r.get("id").toString())
                .isEqualTo("clicks-" + meta(r).get("partition") + "-" + meta(r).get("offset")));
        assertThat(sink.heads()).hasSize(3).allSatisfy((tp, e) -> assertThat(e.nextOffset()).isEqualTo(600));
    }
}
