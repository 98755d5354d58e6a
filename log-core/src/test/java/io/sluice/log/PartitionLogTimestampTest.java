package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Timestamps: LogAppendTime and CreateTime topics, compressed batches, and offsetForTimestamp. */
class PartitionLogTimestampTest extends PartitionLogFixture {
    @Test
    void logAppendTimeTopicsStampTheAppendTimeAndReturnIt() {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));

        // when
        AppendResult first = p.append(Batches.of(1000, "a", "b"));
        time.advance(250);
        AppendResult second = p.append(Batches.of(5, "c"));
        p.flush();

        // then
        assertThat(first.logAppendTimeMs()).isEqualTo(START_MS);
        assertThat(second.logAppendTimeMs()).isEqualTo(START_MS + 250);
        List<Long> batchTimes = new ArrayList<>();
        List<Long> recordTimes = new ArrayList<>();
        for (RecordBatch b : p.read(0, 1 << 20).records().batches()) {
            assertThat(b.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(b.isValid()).as("CRC of a restamped batch").isTrue();
            batchTimes.add(b.maxTimestamp());
            for (Record r : b) {
                recordTimes.add(r.timestamp());
            }
        }
        assertThat(batchTimes).containsExactly(START_MS, START_MS + 250);
        assertThat(recordTimes).containsExactly(START_MS, START_MS, START_MS + 250);
        assertThat(p.offsetForTimestamp(START_MS + 1)).contains(new TimestampOffset(START_MS + 250, 2));
    }

    @Test
    void createTimeTopicsKeepTheProducerTimestamps() {
        PartitionLog p = topic(NO_AUTO_FLUSH);

        AppendResult r = p.append(Batches.timed(new long[] {700, 300}, "v"));
        p.flush();

        assertThat(r.logAppendTimeMs()).isEqualTo(-1);
        RecordBatch b = p.read(0, 1 << 20).records().batches().iterator().next();
        assertThat(b.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(b.maxTimestamp()).isEqualTo(700);
    }

    // ------------------------------------------------------------------ compression

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesAreAcceptedAndReadBack(String codec) {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        Compression compression = Compression.of(codec).build();
        SimpleRecord[] first = new SimpleRecord[20];
        for (int i = 0; i < first.length; i++) {
            first[i] = new SimpleRecord(1000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i + "-" + "x".repeat(50)).getBytes(StandardCharsets.UTF_8));
        }

        // when
        AppendResult a = p.append(MemoryRecords.withRecords(compression, first));
        AppendResult b = p.append(MemoryRecords.withRecords(compression,
                new SimpleRecord(2000L, null, "last".getBytes(StandardCharsets.UTF_8))));
        p.flush();

        // then
        assertThat(a.firstOffset()).isZero();
        assertThat(a.lastOffset()).isEqualTo(19);
        assertThat(b.firstOffset()).isEqualTo(20);
        Map<Long, String> all = readAll(p);
        assertThat(all).hasSize(21);
        assertThat(all.get(7L)).isEqualTo("value-7-" + "x".repeat(50));
        assertThat(all.get(20L)).isEqualTo("last");
        for (RecordBatch batch : p.read(0, 1 << 20).records().batches()) {
            assertThat(batch.compressionType()).isEqualTo(CompressionType.forName(codec));
        }
        assertThat(p.offsetForTimestamp(1010)).contains(new TimestampOffset(1010, 10));
    }

    // ------------------------------------------------------------------ timestamp search

    @Test
    void offsetForTimestampAcrossSegmentsMatchesBruteForce() {
        // given out-of-order timestamps over many small, sparsely indexed segments
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.INDEX_INTERVAL_BYTES, "150"));
        Random random = new Random(5);
        List<long[]> records = new ArrayList<>(); // {offset, timestamp}
        long next = 0;
        for (int b = 0; b < 120; b++) {
            int count = 1 + random.nextInt(4);
            long[] ts = new long[count];
            for (int i = 0; i < count; i++) {
                ts[i] = 10_000 + random.nextInt(200);
                records.add(new long[] {next + i, ts[i]});
            }
            p.append(Batches.timed(ts, "r"));
            next += count;
        }
        p.flush();
        assertThat(p.segmentCount()).isGreaterThan(5);

        // then: before and after a restart
        assertTimestampSearchMatches(p, records, "before restart");
        assertTimestampSearchMatches(reopen(), records, "after restart");
    }

    private static void assertTimestampSearchMatches(PartitionLog p, List<long[]> records, String when) {
        for (long target = 9_998; target <= 10_202; target++) {
            Optional<TimestampOffset> expected = Optional.empty();
            for (long[] r : records) {
                if (r[1] >= target) {
                    expected = Optional.of(new TimestampOffset(r[1], r[0]));
                    break;
                }
            }
            assertThat(p.offsetForTimestamp(target)).as("%s: first offset with timestamp >= %d", when, target)
                    .isEqualTo(expected);
        }
    }
}
