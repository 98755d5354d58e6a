package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice log-server} as its own JVM, the way bin/sluice runs it: SIGTERM stops it with exit code 0
 * after a clean close of the log.
 */
class LogServerProcessTest {
    private static final Pattern READY = Pattern.compile("sluice log-server listening on 127\\.0\\.0\\.1:(\\d+) .*");

    @TempDir
    Path tmp;

    @Test
    void sigtermStopsTheServerWithExitCodeZeroAndTheLogClosedCleanly() throws Exception {
        // given: a server JVM on a free port
        Path dataDir = tmp.resolve("log");
        Path stderr = tmp.resolve("stderr.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process server = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "io.sluice.jobs.SluiceCli", "log-server", "--listen", "127.0.0.1:0", "--data-dir", dataDir.toString(),
                "--registry-listen", "off")
                .redirectError(stderr.toFile())
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(ready).as("first line of stdout; stderr: %s", stderrOf(stderr)).isNotNull().matches(READY);
            Matcher m = READY.matcher(ready);
            assertThat(m.matches()).isTrue();
            int port = Integer.parseInt(m.group(1));
            List<String> sent = IntStream.range(0, 10).mapToObj(i -> "record-" + i).toList();

            // when: records are produced with acks=all, then the process gets SIGTERM
            try (KafkaProducer<String, String> p = LogServerCommandTest.producer("127.0.0.1:" + port)) {
                for (String v : sent) {
                    p.send(new ProducerRecord<>("events", 0, null, v)).get(30, TimeUnit.SECONDS);
                }
            }
            server.destroy(); // SIGTERM
            boolean exited = server.waitFor(60, TimeUnit.SECONDS);

            // then
            assertThat(exited).as("server exited within 60 s of SIGTERM; stderr: %s", stderrOf(stderr)).isTrue();
            assertThat(server.exitValue()).as("exit code; stderr: %s", stderrOf(stderr)).isZero();
            assertThat(dataDir.resolve(".clean-shutdown")).as("clean-shutdown marker").exists();
            assertThat(stderrOf(stderr)).as("what the server logged on stderr")
                    .contains("Stopped cleanly: every partition flushed, clean-shutdown marker written");
            try (LogManager log = LogManager.open(LogManagerConfig.defaults(dataDir))) {
                PartitionLog p = log.partition("events", 0);
                List<String> values = new ArrayList<>();
                for (RecordBatch b : p.read(p.logStartOffset(), Integer.MAX_VALUE).records().batches()) {
                    for (Record r : b) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
                assertThat(values).as("values in events-0 after the server stopped").isEqualTo(sent);
            }
        } finally {
            server.destroyForcibly();
        }
    }

    private static String stderrOf(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
