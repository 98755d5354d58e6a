package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
        Path d = dataDir();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw CliException.usage("the data directory " + d + " is not a directory");
        }
        return LogManager.open(settings().managerConfig(d));
    }

    /**
     * Opens the log if the data directory exists; null if it does not or is empty (nothing is created).
     * A directory that holds something else (a home directory, /proc/...) is refused rather than read as
     * a log without topics: a mistyped path must not look like an empty log.
     */
    LogManager openExisting() {
        Path d = dataDir();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw CliException.usage("the data directory " + d + " is not a directory");
        }
        if (!Files.isDirectory(d)) {
            return null;
        }
        if (!LogManager.holdsLog(d)) {
            try (Stream<Path> entries = Files.list(d)) {
                if (entries.findAny().isEmpty()) {
                    return null;
                }
            } catch (IOException e) {
                throw new CliException("cannot list the data directory " + d + ": " + e.getMessage());
            }
            throw CliException.usage(d + " is not a Sluice log directory (it has files but no topics.meta); "
                    + "nothing was read");
        }
        return open();
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
