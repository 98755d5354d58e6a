package io.sluice.log.server;

import io.sluice.log.InvalidConfigException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicConfig;
import io.sluice.log.TopicConfigDocs;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks shared by the config-altering APIs (CreateTopics' configs, AlterConfigs,
 * IncrementalAlterConfigs), raising the Kafka errors Kafka raises: INVALID_CONFIG for unknown keys and
 * bad values, INVALID_REQUEST for malformed requests and for any change to a broker config (Sluice has no
 * dynamic broker configs, and Kafka answers INVALID_REQUEST for a config that cannot be updated
 * dynamically). Stateless.
 */
final class ConfigAlterations {
    private ConfigAlterations() {
    }

    /** Refuses unknown keys and values of the wrong type for passive keys (the log checks the keys it acts on). */
    static void checkKeysAndPassiveValues(Map<String, String> changes) {
        for (Map.Entry<String, String> c : changes.entrySet()) {
            if (c.getValue() == null) {
                continue; // removal of an override
            }
            if (!TopicConfig.isKnownKey(c.getKey())) {
                throw new InvalidConfigurationException("Unknown topic config name: " + c.getKey());
            }
            TopicConfigDocs.checkPassiveValue(c.getKey(), c.getValue()).ifPresent(why -> {
                throw new InvalidConfigurationException(why);
            });
        }
    }

    /**
     * Validates {@code changes} (null value = remove the override) against the topic's config and, unless
     * {@code validateOnly}, applies and persists them.
     */
    static void alterTopic(LogManager log, String topic, Map<String, String> changes, boolean validateOnly) {
        TopicDescription t = existingTopic(log, topic);
        checkKeysAndPassiveValues(changes);
        if (validateOnly) {
            try {
                t.config().with(changes);
            } catch (InvalidConfigException e) {
                throw new InvalidConfigurationException(e.getMessage());
            }
        } else {
            log.alterTopicConfig(topic, changes); // InvalidConfigException maps to INVALID_CONFIG
        }
    }

    static TopicDescription existingTopic(LogManager log, String topic) {
        return log.topic(topic).orElseThrow(() ->
                new UnknownTopicOrPartitionException("The topic '" + topic + "' does not exist."));
    }

    /** Refuses a change to broker {@code name} (this node's id, or "" for the cluster default) as Kafka would. */
    static void refuseBrokerChange(String name, int nodeId, Collection<String> keys) {
        checkBrokerName(name, nodeId, false);
        if (!keys.isEmpty()) {
            throw new InvalidRequestException("Cannot update these configs dynamically: " + keys
                    + " (Sluice has no dynamic broker configs; set them in the server's configuration and restart)");
        }
    }

    /** Checks that a BROKER resource names this node ("" names the cluster-wide default in Kafka). */
    static void checkBrokerName(String name, int nodeId, boolean describe) {
        if (name == null || name.isEmpty()) {
            return;
        }
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Broker id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId
                    + (describe ? " or empty string" : "") + ", but received " + name);
        }
    }

    /** The names that appear more than once in {@code names}. */
    static Set<String> duplicates(Iterable<String> names) {
        Set<String> seen = new HashSet<>();
        Set<String> dups = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                dups.add(n);
            }
        }
        return dups;
    }

    /** The items of a list-valued config ("a, b" -> [a, b]); empty for null or blank. */
    static List<String> listItems(String value) {
        List<String> items = new ArrayList<>();
        if (value == null) {
            return items;
        }
        Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(items::add);
        return items;
    }

    /**
     * The outcome for each resource of an AlterConfigs or IncrementalAlterConfigs request, in request order:
     * a resource named more than once gets INVALID_REQUEST (as in Kafka), every other one what {@code alter}
     * returns.
     */
    static <R> List<org.apache.kafka.common.requests.ApiError> alterEach(List<R> resources,
            java.util.function.Function<R, ?> typeAndName,
            java.util.function.Function<R, org.apache.kafka.common.requests.ApiError> alter) {
        Map<Object, Integer> occurrences = new java.util.HashMap<>();
        for (R r : resources) {
            occurrences.merge(typeAndName.apply(r), 1, Integer::sum);
        }
        List<org.apache.kafka.common.requests.ApiError> out = new ArrayList<>();
        for (R r : resources) {
            out.add(occurrences.get(typeAndName.apply(r)) > 1
                    ? new org.apache.kafka.common.requests.ApiError(org.apache.kafka.common.protocol.Errors.INVALID_REQUEST,
                    "Each resource must appear at most once.")
                    : alter.apply(r));
        }
        return out;
    }
}
