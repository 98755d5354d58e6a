package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage found when a cleanly closed log is opened again, as an operator's slip or a failing disk leaves it:
 * a closed segment deleted, a closed segment cut inside a batch, a batch length overwritten, the end of the
 * log missing. Each is reported as a damaged range; reads there fail instead of skipping to the next segment,
 * and new appends never reuse offsets that were once handed out.
 */
class LogDamageTest {
    static final int RECORDS = 60;

    @TempDir
    Path dir;
    LogManager log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    /** A topic "t" of one partition with small segments holding RECORDS one-record batches, closed cleanly. */
    List<Path> writeAndClose() throws IOException {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        PartitionLog p = log.partition("t", 0);
        for (int i = 0; i < RECORDS; i++) {
            p.append(Batches.of(1000L + i, "value-" + i));
        }
        log.close();
        log = null;
        try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
            List<Path> segments = new ArrayList<>(files.filter(f -> f.toString().endsWith(".log")).sorted().toList());
            assertThat(segments).as("segments written").hasSizeGreaterThan(3);
            return segments;
        }
    }

    static long baseOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().replace(".log", ""));
    }

    PartitionLog reopen() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        return log.partition("t", 0);
    }

    /** Every value readable from {@code from}, following the log segment by segment. */
    static List<String> readFrom(PartitionLog p, long from) {
        List<String> values = new ArrayList<>();
        long next = from;
        while (next < p.highWatermark()) {
            ReadResult r;
            try {
                r = p.read(next, 1 << 20);
            } catch (LogDamageException e) {
                break; // the values end where the damage begins
            }
            long before = next;
            for (RecordBatch b : r.records().batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= next) {
                        values.add(java.nio.charset.StandardCharsets.UTF_8.decode(rec.value()).toString());
                    }
                }
                next = b.lastOffset() + 1;
            }
            if (next == before) {
                break;
            }
        }
        return values;
    }

    @Test
    void aDeletedClosedSegmentIsADamagedRangeThatReadsRefuseInsteadOfSkipping() throws IOException {
        List<Path> segments = writeAndClose();
        Path victim = segments.get(1);
        long from = baseOf(victim);
        long to = baseOf(segments.get(2));
        Files.delete(victim);

        PartitionLog p = reopen();

        assertThat(p.damage()).singleElement().satisfies(d -> {
            assertThat(d.from()).isEqualTo(from);
            assertThat(d.to()).isEqualTo(to);
            assertThat(d.reason()).contains("missing");
        });
        assertThat(log.damage()).containsOnlyKeys("t-0");
        assertThat(readFrom(p, 0)).as("values read from the start: they stop at the hole")
                .hasSize((int) from).last().isEqualTo("value-" + (from - 1));
        assertThatThrownBy(() -> p.read(from, 1 << 20)).isInstanceOf(LogDamageException.class)
                .hasMessageContaining("[" + from + ", " + to + ")");
        assertThatThrownBy(() -> p.read(to - 1, 1 << 20)).isInstanceOf(LogDamageException.class);
        assertThat(readFrom(p, to)).as("after the hole the log serves on").hasSize(RECORDS - (int) to);
        assertThat(p.logEndOffset()).isEqualTo(RECORDS);
    }

    @Test
    void aClosedSegmentCutInsideABatchLosesOnlyItsTailAndSaysSo() throws IOException {
        List<Path> segments = writeAndClose();
        Path victim = segments.get(1);
        long next = baseOf(segments.get(2));
        try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
            f.setLength(f.length() - 10); // inside the last batch
        }

        PartitionLog p = reopen();

        assertThat(p.damage()).singleElement().satisfies(d -> {
            assertThat(d.from()).as("the last batch's offset").isEqualTo(next - 1);
            assertThat(d.to()).isEqualTo(next);
            assertThat(d.reason()).contains(victim.getFileName().toString()).contains("after its last whole batch");
        });
        assertThatThrownBy(() -> p.read(next - 1, 1 << 20)).isInstanceOf(LogDamageException.class);
        assertThat(readFrom(p, 0)).hasSize((int) next - 1);
    }

    @Test
    void anOverwrittenBatchLengthMakesTheRestOfItsSegmentADamagedRange() throws IOException {
        List<Path> segments = writeAndClose();
        Path victim = segments.get(1);
        long base = baseOf(victim);
        long next = baseOf(segments.get(2));
        try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
            f.seek(8); // the first batch's length field
            f.writeInt(Integer.MAX_VALUE);
        }

        PartitionLog p = reopen();

        assertThat(p.damage()).singleElement().satisfies(d -> {
            assertThat(d.from()).isEqualTo(base);
            assertThat(d.to()).isEqualTo(next);
        });
        assertThatThrownBy(() -> p.read(base, 1 << 20)).isInstanceOf(LogDamageException.class);
    }

    @Test
    void aMissingEndOfTheLogIsDamageAndNewAppendsDoNotReuseItsOffsets() throws IOException {
        List<Path> segments = writeAndClose();
        Path last = segments.get(segments.size() - 1);
        long lastBase = baseOf(last);
        Files.delete(last);

        PartitionLog p = reopen();

        assertThat(p.damage()).singleElement().satisfies(d -> {
            assertThat(d.from()).isEqualTo(lastBase);
            assertThat(d.to()).as("the recovery point written at the clean close").isEqualTo(RECORDS);
        });
        AppendResult appended = p.append(Batches.of(5000L, "after-the-damage"));
        assertThat(appended.firstOffset()).as("offset of the first append after reopening").isEqualTo(RECORDS);
        assertThatThrownBy(() -> p.read(lastBase, 1 << 20)).isInstanceOf(LogDamageException.class);
    }

    @Test
    void aSoundLogHasNoDamage() throws IOException {
        writeAndClose();
        PartitionLog p = reopen();
        assertThat(p.damage()).isEmpty();
        assertThat(log.damage()).isEmpty();
        assertThat(readFrom(p, 0)).hasSize(RECORDS);
    }
}
