package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.quickstart.EmbeddedStack;
import io.sluice.jobs.quickstart.PageViewEvents;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code sluice pipeline run} processes on one pipeline file, as a double deploy makes them: the second is refused
 * with one line naming the first (pipeline, host, process), unless it is started with {@code --take-over}; then the
 * first stops with a line saying who took its table, and the second goes on. Every record ends up in the table once.
 * Each run is its own JVM, the way bin/sluice starts it; log-core and the registry run in this one.
 */
class PipelineRunClaimsTest {
    @TempDir
    Path tmp;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killAll() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A started {@code sluice pipeline run}, its stdout read line by line. */
    private final class Run {
        final Process process;
        final Path stderr;
        final BufferedReader out;

        Run(Path config, String name, String... extra) throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx512m"));
            command.addAll(List.of(System.getProperty("sluice.jvm.opens", "").trim().split("\\s+")));
            command.removeIf(String::isBlank);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.jobs.SluiceCli",
                    "pipeline", "run", "--config", config.toString(), "--metrics-listen", "off"));
            command.addAll(List.of(extra));
            stderr = tmp.resolve(name + ".stderr");
            process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            processes.add(process);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        String firstLine() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return "unreadable: " + e;
                }
            }).get(90, TimeUnit.SECONDS);
        }

        int awaitExit() throws Exception {
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("exited; stderr: %s", stderr()).isTrue();
            return process.exitValue();
        }

        String stderr() throws IOException {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        }

        /** The lines on stderr that are the command's own (one per error), not log lines. */
        List<String> errorLines() throws IOException {
            return stderr().lines().filter(l -> l.startsWith("sluice pipeline run: ")).toList();
        }
    }

    @Test
    void aSecondRunIsRefusedNamingTheFirstUntilItTakesTheTableOver() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(tmp.resolve("stack"), false)) {
            // given a topic with records and a pipeline file whose claims last 4 s
            stack.createTopic("views", 2);
            PageViewEvents.produce(stack.bootstrap(), stack.registryUrl(), "views", 500,
                    PageViewEvents.Options.defaults());
            Path warehouse = tmp.resolve("wh");
            Path config = tmp.resolve("claims.yaml");
            Files.writeString(config, String.join("\n",
                    "name: claims",
                    "source:",
                    "  bootstrap-servers: " + stack.bootstrap(),
                    "  topics: [views]",
                    "  schema-registry-url: " + stack.registryUrl(),
                    "  discovery-interval: 1s",
                    "warehouse:",
                    "  root: " + warehouse.toUri(),
                    "  claim-lease: 4s",
                    "table-defaults:",
                    "  commit-interval: 1s",
                    "runner:",
                    "  type: direct",
                    "audit:",
                    "  enabled: false",
                    ""));

            // when run A starts
            Run a = new Run(config, "a");
            assertThat(a.firstLine()).as("A's first line; stderr: %s", a.stderr()).startsWith("pipeline claims running");

            // then run B of the same file is refused, naming A
            Run b = new Run(config, "b");
            assertThat(b.awaitExit()).isEqualTo(1);
            assertThat(b.errorLines()).as("B's error lines").hasSize(1);
            assertThat(b.errorLines().get(0)).startsWith("sluice pipeline run: table views is being written by pipeline"
                    + " claims (run ").contains("process " + a.process.pid() + ", since ").contains("--take-over");

            // when run C takes the table over
            Run c = new Run(config, "c", "--take-over");
            assertThat(c.firstLine()).as("C's first line; stderr: %s", c.stderr()).startsWith("pipeline claims running");

            // then A stops by itself, saying who took its table
            assertThat(a.awaitExit()).isEqualTo(1);
            assertThat(a.errorLines()).as("A's error lines").hasSize(1);
            assertThat(a.errorLines().get(0)).startsWith("sluice pipeline run: table views was taken over by pipeline"
                    + " claims (run ").contains("process " + c.process.pid());

            // and C goes on with what is produced next, until stopped
            PageViewEvents.produce(stack.bootstrap(), stack.registryUrl(), "views", 500,
                    PageViewEvents.Options.defaults().withSeed(7));
            Map<Integer, Long> end = stack.endOffsets("views");
            TableSpec spec = TableSpec.builder("views", warehouse.resolve("views").toUri().toString()).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (rows(spec).size() < 1_000 && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            c.process.destroy();
            // a JVM ended by SIGTERM exits with 128 + 15 once its shutdown hook (which stops the job) is done
            assertThat(c.awaitExit()).as("C's exit on SIGTERM; stderr: %s", c.stderr()).isIn(0, 143);
            assertThat(c.errorLines()).as("C's error lines").isEmpty();

            // and the table holds every record of the log once
            List<GenericRecord> rows = rows(spec);
            Set<String> positions = new HashSet<>();
            for (GenericRecord r : rows) {
                GenericRecord meta = (GenericRecord) r.get("_sluice");
                positions.add(meta.get("partition") + "@" + meta.get("offset"));
            }
            assertThat(end.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1_000);
            assertThat(rows).hasSize(1_000);
            assertThat(positions).hasSize(1_000);
        }
    }

    private static List<GenericRecord> rows(TableSpec spec) {
        return TableReader.open(spec, new Configuration()).readAll();
    }
}
