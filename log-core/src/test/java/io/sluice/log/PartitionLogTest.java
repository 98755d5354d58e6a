package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    @TempDir
    Path dir;
    LogManager log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    static List<String> values(Records records) {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    @Test
    void appendsAssignOffsetsAndReadBackAfterFlush() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 2, Map.of());
        PartitionLog p = log.partition("t", 1);
        AppendResult a = p.append(Batches.of(1000, "a", "b", "c"));
        AppendResult b = p.append(Batches.of(1000, "d"));
        assertThat(a.firstOffset()).isEqualTo(0);
        assertThat(a.lastOffset()).isEqualTo(2);
        assertThat(b.firstOffset()).isEqualTo(3);
        p.awaitDurable(3).join();
        assertThat(p.highWatermark()).isEqualTo(4);
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("a", "b", "c", "d");
        assertThat(values(p.read(1, 1 << 20).records())).startsWith("a"); // whole batch holding offset 1
        assertThat(p.read(4, 100).isEmpty()).isTrue();
        assertThatThrownBy(() -> p.read(5, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void survivesCleanRestartAndRollsSegments() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        PartitionLog p = log.partition("t", 0);
        for (int i = 0; i < 100; i++) {
            p.append(Batches.of(1000 + i, "value-" + i));
        }
        p.flush();
        int segments = p.segmentCount();
        assertThat(segments).isGreaterThan(3);
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        PartitionLog q = log.partition("t", 0);
        assertThat(q.highWatermark()).isEqualTo(100);
        assertThat(q.segmentCount()).isEqualTo(segments);
        List<String> all = new ArrayList<>();
        long next = 0;
        while (next < 100) {
            List<String> got = values(q.read(next, 4096).records());
            all.addAll(got);
            next += got.size();
        }
        assertThat(all).hasSize(100).startsWith("value-0").endsWith("value-99");
        assertThat(q.offsetForTimestamp(1050)).contains(new TimestampOffset(1050, 50));
        assertThat(q.append(Batches.of(5, "after")).firstOffset()).isEqualTo(100);
    }
}
