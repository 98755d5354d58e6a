package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice quickstart} in-process, end to end: embedded log-core and registry, page views, the unbounded
 * ingestion pipeline of conf/pipelines/quickstart.yaml into a local warehouse folder, the summary. 3,000 events keep
 * it to about half a minute on 2 cores.
 */
class QuickstartCommandTest {
    private static final int EVENTS = 3_000;

    @TempDir
    Path warehouse;
    @TempDir
    Path dataDir;

    @Test
    void quickstartOnEmbeddedFlinkCommitsEveryEventOnceAndSaysSoInItsJsonLine() throws Exception {
        Run run = quickstart("--events", String.valueOf(EVENTS), "--warehouse", warehouse.toString(),
                "--data-dir", dataDir.toString(), "--timeout", "3m");

        assertQuickstartIngestedEverything(run);
    }

    /**
     * Off by default ({@code -Dsluice.test.directQuickstart=true} runs it): on 2 shared cores it took 38-47 s for
     * 3,000 events, over this module's budget, and the DirectRunner's KafkaIO readers keep polling after the job is
     * cancelled, logging connection warnings into every later test of the JVM once the log server is gone.
     */
    @Test
    @EnabledIfSystemProperty(named = "sluice.test.directQuickstart", matches = "true")
    void quickstartOnTheDirectRunnerCommitsEveryEventOnce() throws Exception {
        Run run = quickstart("--events", String.valueOf(EVENTS), "--warehouse", warehouse.toString(),
                "--data-dir", dataDir.toString(), "--timeout", "3m", "--runner", "direct");

        assertQuickstartIngestedEverything(run);
    }

    private record Run(int exit, String out, String err) {}

    private static Run quickstart(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = Stream.concat(Stream.of("quickstart"), Stream.of(args)).toArray(String[]::new);
        int exit = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                new PrintWriter(err, true)).execute(full);
        return new Run(exit, out.toString(), err.toString());
    }

    private void assertQuickstartIngestedEverything(Run run) throws IOException {
        assertThat(run.exit()).as("exit code; stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isZero();
        JsonNode summary = summaryLine(run.out());
        assertThat(summary.get("exactly_once").asBoolean()).as("exactly_once in %s", summary).isTrue();
        assertThat(summary.get("events_produced").asLong()).as("events_produced").isEqualTo(EVENTS);
        assertThat(summary.get("log_records").asLong()).as("log_records").isEqualTo(EVENTS);
        assertThat(summary.get("rows_committed").asLong()).as("rows_committed").isEqualTo(EVENTS);
        assertThat(summary.get("distinct_offsets").asLong()).as("distinct_offsets").isEqualTo(EVENTS);
        assertThat(summary.get("dead_letters").asLong()).as("dead_letters").isZero();
        long files = summary.get("files").asLong();
        long partitions = summary.get("partitions").asLong();
        assertThat(files).as("files").isPositive();
        assertThat(partitions).as("partitions").isPositive();

        // the warehouse folder itself holds the Hive layout the summary describes
        Path table = warehouse.resolve("page_views");
        List<Path> avro;
        try (Stream<Path> walk = Files.walk(table)) {
            avro = walk.filter(p -> p.getFileName().toString().endsWith(".avro"))
                    .filter(p -> !table.relativize(p).toString().startsWith("_sluice")).toList();
        }
        assertThat(avro).as("data files under %s", table).hasSize((int) files)
                .allSatisfy(p -> assertThat(table.relativize(p).toString())
                        .matches("dt=\\d{4}-\\d{2}-\\d{2}/hr=\\d{2}/page_views\\+\\d+\\+\\d+\\+\\d+\\.avro"));
        Set<Path> hourDirs = avro.stream().map(Path::getParent).collect(Collectors.toSet());
        assertThat(hourDirs).as("dt=/hr= directories holding data").hasSize((int) partitions);
    }

    /** The summary's one JSON line: the last line of stdout that is a JSON object. */
    private static JsonNode summaryLine(String out) throws IOException {
        List<String> json = out.lines().filter(l -> l.startsWith("{") && l.endsWith("}")).toList();
        assertThat(json).as("JSON lines in stdout:%n%s", out).isNotEmpty();
        return new ObjectMapper().readTree(json.get(json.size() - 1));
    }
}
