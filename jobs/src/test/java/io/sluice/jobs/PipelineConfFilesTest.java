package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.config.PipelineDefinition;
import io.sluice.pipeline.config.PipelineKeys;
import io.sluice.pipeline.config.RunnerConfig;
import io.sluice.pipeline.config.TableConfig;
import io.sluice.sink.Partitioning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/pipelines/*.yaml load, document every key, and say what bin/sluice quickstart runs. */
class PipelineConfFilesTest {
    /** A key, set ("key: value") or commented out with its default ("#key: value"), at any indentation. */
    private static final Pattern KEY_LINE = Pattern.compile("^(\\s*)(#?)([A-Za-z0-9_][A-Za-z0-9_.-]*):(\\s.*)?$");

    static Path pipelinesDir() {
        return ConfFilesTest.repoRoot().resolve("conf/pipelines");
    }

    static Path quickstartYaml() {
        return pipelinesDir().resolve("quickstart.yaml");
    }

    static List<Path> pipelineFiles() throws IOException {
        try (Stream<Path> files = Files.list(pipelinesDir())) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyPipelineFileLoads() throws IOException {
        // given
        List<Path> files = pipelineFiles();

        // then
        assertThat(files).extracting(f -> f.getFileName().toString())
                .contains("quickstart.yaml", "example-many-topics.yaml");
        for (Path f : files) {
            PipelineDefinition p = PipelineDefinition.load(f);
            assertThat(p.toPipelineArgs()).as("Beam arguments of %s", f).isNotEmpty();
        }
    }

    @Test
    void everyKeyInEveryPipelineFileHasACommentLineDirectlyAbove() throws IOException {
        for (Path f : pipelineFiles()) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = KEY_LINE.matcher(lines.get(i));
                if (m.matches()) {
                    assertThat(i).as("%s:%d '%s' is not the first line", f, i + 1, lines.get(i)).isPositive();
                    assertThat(lines.get(i - 1)).as("comment line above %s:%d '%s'", f, i + 1, lines.get(i).trim())
                            .startsWith(m.group(1) + "# ");
                }
            }
        }
    }

    @Test
    void quickstartYamlShowsEveryKey() throws IOException {
        // when
        Set<String> documented = keyPaths(Files.readAllLines(quickstartYaml()));

        // then: every key the loader knows, set or commented out; nothing it does not know
        assertThat(documented).as("key paths in %s", quickstartYaml())
                .containsExactlyInAnyOrderElementsOf(PipelineKeys.ALL);
    }

    @Test
    void quickstartYamlIsWhatTheQuickstartRuns() {
        // when
        PipelineDefinition p = PipelineDefinition.load(quickstartYaml());

        // then
        assertThat(p.name()).isEqualTo("quickstart");
        assertThat(p.source().topics()).containsExactly("page_views");
        assertThat(p.source().bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(p.source().schemaRegistryUrl()).isEqualTo("http://127.0.0.1:8081");
        assertThat(p.warehouse().root()).isEqualTo("file://" + Path.of("warehouse").toAbsolutePath());
        var t = p.tableSpecFor("page_views");
        assertThat(t.name()).isEqualTo("page_views");
        assertThat(t.partitioning()).isEqualTo(Partitioning.HOURLY);
        assertThat(t.zone().getId()).isEqualTo("UTC");
        assertThat(t.codec()).isEqualTo("snappy");
        assertThat(t.commitInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(t.allowedLateness()).isEqualTo(Duration.ofHours(1));
        assertThat(p.runner().type()).isEqualTo(RunnerConfig.Type.FLINK);
        assertThat(p.audit().enabled()).as("audit.enabled: the quickstart ends with the audit report").isTrue();
        assertThat(p.audit().bootstrapServers()).isEqualTo(p.source().bootstrapServers());
        assertThat(p.toPipelineArgs()).containsExactly("--runner=FlinkRunner", "--jobName=quickstart",
                "--streaming=true", "--flinkMaster=[local]", "--checkpointingInterval=5000", "--parallelism=2",
                "--objectReuse=true", "--stateBackend=filesystem",
                "--stateBackendStoragePath=" + io.sluice.pipeline.config.RunnerConfig.defaultCheckpointDir("quickstart"));
    }

    @Test
    void quickstartYamlsCommentedOutSettingsAreTheDefaults(@TempDir Path dir) throws IOException {
        // given: the file with every '#key: value' line switched on
        Path on = dir.resolve("quickstart.yaml");
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(quickstartYaml())) {
            text.append(line.replaceFirst("^(\\s*)#([a-z][a-z0-9-]*:)", "$1$2")).append('\n');
        }
        Files.writeString(on, text);

        // when
        PipelineDefinition switchedOn = PipelineDefinition.load(on);

        // then
        assertThat(switchedOn).isEqualTo(PipelineDefinition.load(quickstartYaml()));
    }

    @Test
    void exampleManyTopicsShowsAPatternWithPerTableSettings() {
        // when
        PipelineDefinition p = PipelineDefinition.load(pipelinesDir().resolve("example-many-topics.yaml"));

        // then
        assertThat(p.source().topicPattern()).isNotNull();
        assertThat(p.tables().values()).extracting(TableConfig::topic).allMatch(p.source()::selects);
        assertThat(p.tables().values()).extracting(c -> c.options().partitioning())
                .contains(Partitioning.DAILY, Partitioning.FIELD);
        assertThat(p.tables().values()).extracting(c -> c.options().codec()).contains("zstd");
        assertThat(p.tables().values()).extracting(c -> c.options().metadataField()).contains(false);
        // a topic the pattern matches but the file does not list gets the defaults
        String unlisted = "shop.returns";
        assertThat(p.source().selects(unlisted)).isTrue();
        assertThat(p.tableFor(unlisted).options()).isEqualTo(p.tableDefaults());
    }

    /**
     * The key path of every key line, set or commented out; entries of tables as tables.&lt;topic&gt;,
     * and nothing below the free-form mappings (Kafka and Hadoop properties).
     */
    static Set<String> keyPaths(List<String> lines) {
        Set<String> paths = new LinkedHashSet<>();
        Deque<int[]> indents = new ArrayDeque<>();
        Deque<String> keys = new ArrayDeque<>();
        for (String line : lines) {
            Matcher m = KEY_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            int indent = m.group(1).length();
            while (!indents.isEmpty() && indents.peek()[0] >= indent) {
                indents.pop();
                keys.pop();
            }
            List<String> path = new ArrayList<>(keys);
            java.util.Collections.reverse(path);
            if (!path.isEmpty() && PipelineKeys.MAP_KEYS.contains(String.join(".", path))) {
                continue; // a Kafka or Hadoop property
            }
            String key = path.size() == 1 && path.get(0).equals(PipelineKeys.TABLES) ? PipelineKeys.TOPIC_PLACEHOLDER
                    : m.group(3);
            path.add(key);
            indents.push(new int[] {indent});
            keys.push(key);
            if (!(path.size() == 1 && Map.of(PipelineKeys.SOURCE, 1, PipelineKeys.WAREHOUSE, 1,
                    PipelineKeys.TABLE_DEFAULTS, 1, PipelineKeys.TABLES, 1, PipelineKeys.RUNNER, 1, PipelineKeys.AUDIT, 1)
                    .containsKey(key)) && !(path.size() == 2 && key.equals(PipelineKeys.TOPIC_PLACEHOLDER))) {
                paths.add(String.join(".", path)); // a section or a topic is not a key of its own
            }
        }
        return paths;
    }
}
