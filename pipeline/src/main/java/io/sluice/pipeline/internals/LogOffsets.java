package io.sluice.pipeline.internals;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What the launcher asks the log: which topics a pattern or list names now, how many partitions each has, and the
 * start and end offsets of partitions. One Admin client, owned here. Not thread-safe (the launcher's one thread).
 */
public final class LogOffsets implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 30;

    private final Admin admin;
    private final String bootstrap;

    public LogOffsets(String bootstrapServers, Map<String, Object> clientConfig) {
        Properties props = new Properties();
        // security and similar settings of the consumer apply to the admin client too; consumer-only keys are
        // dropped by the Admin with a warning, so only the keys the admin knows are passed
        clientConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(props);
        this.bootstrap = bootstrapServers;
    }

    /**
     * The topics to read and their partition counts, sorted by name. A pattern must match a whole name and never
     * matches a name starting with '_' (the registry's {@code _schemas}, Kafka's {@code __consumer_offsets}: not
     * Avro tables); a listed topic that does not exist yet is left out until it does.
     */
    public Map<String, Integer> resolve(List<String> topics, String pattern) {
        Collection<String> names;
        if (topics != null) {
            java.util.Set<String> existing = call("list topics", admin.listTopics().names());
            names = topics.stream().filter(existing::contains).toList();
        } else {
            Pattern p = Pattern.compile(pattern);
            names = call("list topics", admin.listTopics().names()).stream()
                    .filter(t -> !t.startsWith("_") && p.matcher(t).matches()).toList();
        }
        Map<String, Integer> result = new TreeMap<>();
        if (names.isEmpty()) {
            return result;
        }
        Map<String, TopicDescription> described = call("describe topics " + names,
                admin.describeTopics(names).allTopicNames());
        described.forEach((t, d) -> result.put(t, d.partitions().size()));
        return result;
    }

    public Map<TopicPartition, Long> earliest(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.earliest());
    }

    public Map<TopicPartition, Long> latest(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.latest());
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (partitions.isEmpty()) {
            return out;
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r =
                call("list offsets of " + partitions, admin.listOffsets(request).all());
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    public static List<TopicPartition> partitions(Map<String, Integer> topics) {
        List<TopicPartition> out = new java.util.ArrayList<>();
        topics.forEach((t, n) -> {
            for (int p = 0; p < n; p++) {
                out.add(new TopicPartition(t, p));
            }
        });
        return out;
    }

    private <T> T call(String what, org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + bootstrap + " to " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("asking the log at " + bootstrap + " to " + what + " failed: " + cause,
                    cause);
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
