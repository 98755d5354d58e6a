package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The files in conf/ stay in step with the code and the root pom. */
class ConfFilesTest {
    static Path repoRoot() {
        return Path.of(System.getProperty("sluice.repo.root", "..")).toAbsolutePath().normalize();
    }

    @Test
    void logPropertiesDocumentsEveryTopicConfigWithItsDefault() throws IOException {
        // given
        Path file = repoRoot().resolve("conf/log.properties");
        List<String> lines = Files.readAllLines(file);

        // then: every key the log acts on, commented out with Kafka's default, and a comment above it
        for (Map.Entry<String, String> e : TopicConfig.defaultValues().entrySet()) {
            String line = "#" + e.getKey() + "=" + e.getValue();
            assertThat(lines).as("%s documents %s with its default", file, e.getKey()).contains(line);
            int at = lines.indexOf(line);
            assertThat(lines.get(at - 1)).as("comment above %s in %s", e.getKey(), file).startsWith("# ");
        }
    }

    @Test
    void logPropertiesDocumentsTheLogManagerSettingsWithTheirDefaults() throws IOException {
        // given
        Path file = repoRoot().resolve("conf/log.properties");
        List<String> lines = Files.readAllLines(file);
        LogManagerConfig d = LogManagerConfig.defaults(Path.of("data/log"));

        // then
        assertThat(lines).as("manager settings in %s", file).contains(
                "#" + LogSettings.DATA_DIR + "=data/log",
                "#" + LogSettings.FLUSHER_THREADS + "=" + d.flusherThreads(),
                "#" + LogSettings.RETENTION_CHECK_INTERVAL_MS + "=" + d.retentionCheckIntervalMs(),
                "#" + LogSettings.RECOVERY_CHECKPOINT_INTERVAL_MS + "=" + d.recoveryCheckpointIntervalMs());
    }

    @Test
    void shippedLogPropertiesLoadAndSetNothingByDefault() {
        // when
        LogSettings s = LogSettings.load(repoRoot().resolve("conf/log.properties"));

        // then
        assertThat(s.topicDefaults()).as("topic defaults of the shipped file").isEmpty();
        assertThat(s.dataDir()).isEmpty();
    }

    @Test
    void uncommentedDefaultsAreAllAccepted() throws IOException {
        // given: the shipped file with every '#key=value' line switched on
        Path file = repoRoot().resolve("conf/log.properties");
        StringBuilder on = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            on.append(line.matches("#[a-z][a-z.]*=.*") ? line.substring(1) : line).append('\n');
        }
        Path copy = Files.createTempFile("log", ".properties");
        try {
            Files.writeString(copy, on.toString());

            // when
            LogSettings s = LogSettings.load(copy);

            // then
            assertThat(s.topicDefaults().keySet()).as("topic keys switched on")
                    .containsExactlyInAnyOrderElementsOf(TopicConfig.defaultValues().keySet());
            assertThat(TopicConfig.of(s.topicDefaults()).effective()).isEqualTo(TopicConfig.defaults().effective());
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    @Test
    void jvmOptionsMatchThePomsJvmOpens() throws IOException {
        // given
        String fromPom = System.getProperty("sluice.jvm.opens");
        Path file = repoRoot().resolve("conf/jvm.options");

        // when
        List<String> fromFile = Files.readAllLines(file).stream()
                .map(l -> l.replaceAll("#.*", "").trim())
                .filter(l -> !l.isEmpty())
                .toList();

        // then
        assertThat(fromPom).as("system property sluice.jvm.opens (set by the jobs pom from the root pom)").isNotBlank();
        assertThat(fromFile).as("flags in %s against sluice.jvm.opens of the root pom", file)
                .containsExactlyElementsOf(Arrays.asList(fromPom.trim().split("\\s+")));
    }
}
