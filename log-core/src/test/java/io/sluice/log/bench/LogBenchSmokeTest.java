package io.sluice.log.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the benchmark runnable: every case runs once on a few hundred KiB and leaves no file behind. */
class LogBenchSmokeTest {
    @TempDir
    Path dir;

    @Test
    void everyCaseRunsOnTinyDataAndCleansUp() throws Exception {
        // given tiny sizes (256 KiB per write case, 64 KiB where every write is fsynced)
        Options o = Options.parse(new String[] {"--dir", dir.toString(), "--bytes", "256k",
                "--fsync-each-bytes", "64k", "--runs", "1", "--warmups", "1", "--threads", "2", "--window", "64k"});

        // when the benchmark runs
        List<Case> cases = new LogBench(o).run();

        // then every case was measured once, moved bytes, and the data directory is empty again
        assertThat(cases).extracting(c -> c.id).contains("raw-write", "raw-write-fsync-each", "raw-write-fsync-2ms",
                "append-fsync-off", "append-fsync-off-copy", "append-group", "append-group-2p", "append-group-window",
                "append-every-second", "append-every-append", "raw-read", "read", "raw-read-sendfile", "read-sendfile");
        for (Case c : cases) {
            assertThat(c.runs).as("measured runs of %s", c.id).hasSize(1);
            assertThat(c.runs.get(0).bytes()).as("bytes moved by %s", c.id).isPositive();
            assertThat(c.runs.get(0).records()).as("records moved by %s", c.id).isPositive();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("files left in %s", dir).isEmpty();
        }
    }
}
