package io.sluice.jobs;

import io.sluice.log.InvalidConfigException;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.TopicConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The settings of a {@code --config-file} (see {@code conf/log.properties}): keys starting with
 * {@code log.} configure the log manager; every other key is a topic config (Kafka's name, see
 * {@link TopicConfig}) used as a default for the topics the command line creates. Immutable.
 */
final class LogSettings {
    /** The data directory, when {@code --data-dir} is not given. */
    static final String DATA_DIR = "log.dir";
    static final String FLUSHER_THREADS = "log.flusher.threads";
    static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    static final String RECOVERY_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    static final String MANAGER_PREFIX = "log.";

    static final LogSettings NONE = new LogSettings(null, Map.of(), Map.of());

    private final Path source;
    private final Map<String, String> manager;
    private final Map<String, String> topicDefaults;

    private LogSettings(Path source, Map<String, String> manager, Map<String, String> topicDefaults) {
        this.source = source;
        this.manager = Collections.unmodifiableMap(new TreeMap<>(manager));
        this.topicDefaults = Collections.unmodifiableMap(new TreeMap<>(topicDefaults));
    }

    /** Reads and checks {@code file}: unknown keys and bad values are refused with the file and key named. */
    static LogSettings load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new CliException("config file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> manager = new TreeMap<>();
        Map<String, String> topic = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            if (key.startsWith(MANAGER_PREFIX)) {
                if (!key.equals(DATA_DIR) && !key.equals(FLUSHER_THREADS) && !key.equals(RETENTION_CHECK_INTERVAL_MS)
                        && !key.equals(RECOVERY_CHECKPOINT_INTERVAL_MS)) {
                    throw new CliException(file + ": unknown log setting '" + key + "' (known: " + DATA_DIR + ", "
                            + FLUSHER_THREADS + ", " + RETENTION_CHECK_INTERVAL_MS + ", "
                            + RECOVERY_CHECKPOINT_INTERVAL_MS + ")");
                }
                manager.put(key, value);
            } else if (TopicConfig.isKnownKey(key)) {
                topic.put(key, value);
            } else {
                throw new CliException(file + ": unknown key '" + key + "' (topic configs use Kafka's names, such as "
                        + TopicConfig.SEGMENT_BYTES + "; log manager settings start with '" + MANAGER_PREFIX + "')");
            }
        }
        try {
            TopicConfig.of(topic);
        } catch (InvalidConfigException e) {
            throw new CliException(file + ": " + e.getMessage());
        }
        LogSettings s = new LogSettings(file, manager, topic);
        s.managerConfig(Path.of(".")); // checks the numbers now, naming the file
        return s;
    }

    Optional<Path> dataDir() {
        String d = manager.get(DATA_DIR);
        return d == null || d.isEmpty() ? Optional.empty() : Optional.of(Path.of(d));
    }

    /** Topic configs to write into the overrides of every topic the command line creates. */
    Map<String, String> topicDefaults() {
        return topicDefaults;
    }

    /** The log manager's settings for {@code dataDir}: LogManagerConfig's defaults under the file's values. */
    LogManagerConfig managerConfig(Path dataDir) {
        LogManagerConfig d = LogManagerConfig.defaults(dataDir);
        return new LogManagerConfig(dataDir, d.topicDefaults(),
                (int) number(FLUSHER_THREADS, d.flusherThreads(), 1, 64),
                number(RETENTION_CHECK_INTERVAL_MS, d.retentionCheckIntervalMs(), 1, Long.MAX_VALUE),
                number(RECOVERY_CHECKPOINT_INTERVAL_MS, d.recoveryCheckpointIntervalMs(), 1, Long.MAX_VALUE),
                d.fileIO(), d.time());
    }

    private long number(String key, long fallback, long min, long max) {
        String v = manager.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CliException(source + ": invalid value '" + v + "' for '" + key + "': expected a whole number in ["
                + min + ", " + max + "]");
    }
}
