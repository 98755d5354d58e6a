package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk, without filling the machine's: the test mounts an 8 MiB tmpfs of its own (skipped where
 * the machine does not allow it), or uses the small filesystem that {@code SLUICE_SMALL_FS_DIR} names. It
 * appends until the disk is full, then frees space: every acknowledged record is there once, the partition
 * takes appends again without a restart, and a restart finds the same.
 */
class RealDiskFullTest {
    static final int VALUE_BYTES = 8 * 1024;

    @TempDir
    Path tmp;

    @Test
    void acknowledgedRecordsSurviveAFullDiskAndAppendsResumeOnceSpaceIsFreed() throws Exception {
        String named = System.getenv("SLUICE_SMALL_FS_DIR");
        Path fs = named != null ? Path.of(named) : tmp.resolve("small");
        boolean mounted = false;
        if (named == null) {
            Files.createDirectories(fs);
            mounted = run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", fs.toString());
            Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here (needs root); set SLUICE_SMALL_FS_DIR "
                    + "to a small filesystem to run this test");
        }
        Path filler = fs.resolve("filler");
        Path data = fs.resolve("log");
        try {
            Files.write(filler, new byte[2 * 1024 * 1024]); // given back later, as an operator frees space
            List<String> acknowledged = new ArrayList<>();
            try (LogManager log = LogManager.open(LogManagerConfig.defaults(data))) {
                log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1048576",
                        TopicConfig.SEGMENT_INDEX_BYTES, "65536"));
                boolean full = false;
                for (int i = 0; i < 10_000 && !full; i++) {
                    String value = i + ":" + "x".repeat(VALUE_BYTES);
                    try {
                        AppendResult r = log.partition("t", 0).append(Batches.of(1000L + i, value));
                        log.partition("t", 0).awaitDurable(r.lastOffset()).get(30, TimeUnit.SECONDS);
                        acknowledged.add(value);
                    } catch (LogStorageException | ExecutionException e) {
                        full = true;
                    }
                }
                assertThat(full).as("the disk filled up").isTrue();
                assertThat(acknowledged).as("records acknowledged before the disk was full").hasSizeGreaterThan(100);

                Files.delete(filler);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> !log.partition("t", 0).failed());
                PartitionLog p = log.partition("t", 0);
                AppendResult after = p.append(Batches.of(9_999L, "after"));
                p.awaitDurable(after.lastOffset()).get(30, TimeUnit.SECONDS);
                acknowledged.add("after");
                assertThat(values(p)).as("every acknowledged record, once").containsExactlyElementsOf(acknowledged);
            }
            try (LogManager reopened = LogManager.open(LogManagerConfig.defaults(data))) {
                assertThat(values(reopened.partition("t", 0))).as("after a restart").containsExactlyElementsOf(acknowledged);
                assertThat(reopened.damage()).isEmpty();
            }
        } finally {
            if (mounted && !run("umount", fs.toString())) {
                fail("could not unmount " + fs);
            }
        }
    }

    static List<String> values(PartitionLog p) {
        List<String> values = new ArrayList<>();
        long next = p.logStartOffset();
        while (next < p.highWatermark()) {
            for (RecordBatch b : p.read(next, 4 << 20).records().batches()) {
                for (Record r : b) {
                    if (r.offset() >= next) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
                next = b.lastOffset() + 1;
            }
        }
        return values;
    }

    static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
