package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * The options every {@code sluice log} command shares (where the log is, which config file), and the
 * checks they share (the topic exists, the partition is in range).
 */
final class LogOptions {
    static final Path DEFAULT_DATA_DIR = Path.of("data", "log");

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The log's data directory (default: log.dir of --config-file, else ./data/log).")
    Path dataDir;

    /** Set by bin/sluice to its conf/log-server.yaml (or $SLUICE_CONFIG_FILE): the default of --config-file. */
    static final String CONFIG_FILE_PROPERTY = "sluice.config.file";

    @Option(names = "--config-file", paramLabel = "FILE", defaultValue = "${sys:" + CONFIG_FILE_PROPERTY + "}",
            description = "The settings file (YAML, as conf/log-server.yaml: the log settings and the topics' "
                    + "defaults; default: conf/log-server.yaml when run by bin/sluice, else none).")
    Path configFile;

    private LogSettings settings;

    LogSettings settings() {
        if (settings == null) {
            settings = configFile == null ? LogSettings.NONE : LogSettings.load(configFile);
        }
        return settings;
    }

    /** --data-dir, else log.dir of the config file, else ./data/log; made absolute for messages. */
    Path dataDir() {
        Path d = dataDir != null ? dataDir : settings().dataDir().orElse(DEFAULT_DATA_DIR);
        return d.toAbsolutePath().normalize();
    }

    /** Opens the log, creating the data directory if there is none. */
    LogManager open() {
        return LogManager.open(settings().managerConfig(dataDir()));
    }

    /** Opens the log if the data directory exists; null if it does not (nothing is created). */
    LogManager openExisting() {
        Path d = dataDir();
        return Files.isDirectory(d) ? open() : null;
    }

    /** The topic, or a {@link CliException} naming the data directory and the topics it does have. */
    TopicDescription topic(LogManager log, String topic) {
        if (log == null) {
            throw new CliException("unknown topic '" + topic + "': there is no log in " + dataDir()
                    + " (append or create-topic creates one)");
        }
        return log.topic(topic).orElseThrow(() -> new CliException("unknown topic '" + topic + "' in " + dataDir()
                + (log.topics().isEmpty() ? " (it has no topics)" : " (topics: "
                + log.topics().stream().map(TopicDescription::name).collect(Collectors.joining(", ")) + ")")));
    }

    /** {@code partition} if the topic has it, else a {@link CliException} giving the valid range. */
    static int checkPartition(TopicDescription t, int partition) {
        if (partition < 0 || partition >= t.partitions()) {
            throw new CliException("topic '" + t.name() + "' has " + t.partitions()
                    + (t.partitions() == 1 ? " partition (0)" : " partitions (0.." + (t.partitions() - 1) + ")")
                    + "; there is no partition " + partition);
        }
        return partition;
    }
}
