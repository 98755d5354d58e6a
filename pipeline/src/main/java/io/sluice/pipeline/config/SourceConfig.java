package io.sluice.pipeline.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a pipeline reads: the log's address, which topics (a list, or a regex over topic names), the
 * schema registry, where a never-committed partition starts, and how often topics and partitions are
 * re-resolved. Immutable; exactly one of {@code topics} (non-empty) and {@code topicPattern} is set.
 *
 * @param bootstrapServers  comma-separated host:port list (log-core or any Kafka cluster)
 * @param topics            the topics to read, or empty when {@code topicPattern} is set
 * @param topicPattern      a regex every topic's whole name is matched against, or null
 * @param schemaRegistryUrl the registry's base URL (comma-separated for several)
 * @param startFrom         where a partition with no journal entry yet starts
 * @param discoveryInterval how often the launcher re-resolves topics and partitions
 * @param consumer          extra Kafka consumer properties, in file order
 */
public record SourceConfig(String bootstrapServers, List<String> topics, String topicPattern,
                           String schemaRegistryUrl, StartFrom startFrom, Duration discoveryInterval,
                           Map<String, String> consumer) {

    /** Where a source partition starts when its table's journal has never recorded it. */
    public enum StartFrom {
        EARLIEST, LATEST;

        /** The value of Kafka's {@code auto.offset.reset} that means the same. */
        public String autoOffsetReset() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SourceConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(startFrom, "startFrom");
        Objects.requireNonNull(discoveryInterval, "discoveryInterval");
        topics = List.copyOf(topics);
        if (topics.isEmpty() == (topicPattern == null)) {
            throw new IllegalArgumentException("a source reads either a non-empty list of topics or a topic pattern, "
                    + "not both or neither: topics " + topics + ", pattern " + topicPattern);
        }
        consumer = Collections.unmodifiableMap(new LinkedHashMap<>(consumer));
    }

    /** The compiled {@link #topicPattern}, when the source reads by pattern. */
    public Optional<Pattern> pattern() {
        return topicPattern == null ? Optional.empty() : Optional.of(Pattern.compile(topicPattern));
    }

    /**
     * Whether this source reads {@code topic}: it is listed, or its whole name matches the pattern. A
     * pattern never selects names starting with '_' (Kafka's {@code __consumer_offsets}, the registry's
     * {@code _schemas}): those hold no warehouse data.
     */
    public boolean selects(String topic) {
        if (topicPattern == null) {
            return topics.contains(topic);
        }
        return !topic.startsWith("_") && pattern().orElseThrow().matcher(topic).matches();
    }

    /**
     * The Kafka consumer properties of this source: {@link #consumer} plus {@code bootstrap.servers} and
     * {@code auto.offset.reset} (from {@link #startFrom}), which the file sets through their own keys.
     */
    public Map<String, Object> consumerProperties() {
        Map<String, Object> p = new LinkedHashMap<>(consumer);
        p.put("bootstrap.servers", bootstrapServers);
        p.put("auto.offset.reset", startFrom.autoOffsetReset());
        return Collections.unmodifiableMap(p);
    }
}
