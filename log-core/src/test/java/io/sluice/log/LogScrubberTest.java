package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background scrubber finds a byte the disk flipped in a sealed segment of a running log, and only that. */
class LogScrubberTest {
    @TempDir
    Path dir;

    @Test
    void aFlippedByteInASealedSegmentIsFoundAndASoundLogHasNoProblems() throws Exception {
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir).withScrubBytesPerSecond(100L << 20))) {
            log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
            PartitionLog p = log.partition("t", 0);
            for (int i = 0; i < 60; i++) {
                AppendResult r = p.append(Batches.of(1000L + i, "value-" + i));
                p.awaitDurable(r.lastOffset()).get();
            }
            assertThat(log.scrubber().pass(System.currentTimeMillis())).as("problems in a sound log").isZero();

            Path sealed;
            try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
                sealed = files.filter(f -> f.toString().endsWith(".log")).sorted().toList().get(1);
            }
            byte[] bytes = Files.readAllBytes(sealed);
            int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("value-");
            try (RandomAccessFile f = new RandomAccessFile(sealed.toFile(), "rw")) {
                f.seek(at);
                f.write('V'); // what a failing disk does to a file nobody writes any more
            }

            // a segment is checked again only after a week: the next pass a week later finds it
            long weekLater = System.currentTimeMillis() + LogScrubber.CHECK_AGAIN_MS + 1;
            assertThat(log.scrubber().pass(weekLater)).as("problems found a week later").isEqualTo(1);
            assertThat(log.scrubProblems()).isEqualTo(1);
            assertThat(log.scrubber().bytesRead()).isPositive();
        }
        try (LogManager off = LogManager.open(LogManagerConfig.defaults(dir))) {
            assertThat(off.scrubber()).as("the scrubber is off by default").isNull();
            assertThat(off.scrubProblems()).isZero();
        }
    }
}
