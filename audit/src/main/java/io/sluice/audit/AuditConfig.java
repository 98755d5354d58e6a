package io.sluice.audit;

import java.time.Duration;
import java.util.Map;

/**
 * The audit's settings, read from a Kafka client's configuration map so that a producer enables the audit
 * with properties alone. Every key is optional.
 *
 * <ul>
 *   <li>{@code sluice.audit.topic} — where audit messages go (default {@code _sluice_audit}); never audited itself</li>
 *   <li>{@code sluice.audit.bucket.ms} — bucket width (default 600000, ten minutes)</li>
 *   <li>{@code sluice.audit.publish.interval.ms} — how often counts are published (default 10000)</li>
 *   <li>{@code sluice.audit.bootstrap.servers} — where to publish (default: the client's own bootstrap.servers)</li>
 * </ul>
 */
public record AuditConfig(String topic, Buckets buckets, Duration publishInterval, String bootstrapServers) {
    public static final String TOPIC = "sluice.audit.topic";
    public static final String BUCKET_MS = "sluice.audit.bucket.ms";
    public static final String PUBLISH_INTERVAL_MS = "sluice.audit.publish.interval.ms";
    public static final String BOOTSTRAP = "sluice.audit.bootstrap.servers";
    public static final String DEFAULT_TOPIC = "_sluice_audit";

    public static AuditConfig from(Map<String, ?> configs) {
        Object bootstrap = configs.get(BOOTSTRAP) != null ? configs.get(BOOTSTRAP) : configs.get("bootstrap.servers");
        if (bootstrap == null) {
            throw new IllegalArgumentException("the audit needs " + BOOTSTRAP + " or bootstrap.servers to publish to");
        }
        String servers = bootstrap instanceof java.util.List<?> l
                ? String.join(",", l.stream().map(Object::toString).toList()) : bootstrap.toString();
        return new AuditConfig(
                string(configs, TOPIC, DEFAULT_TOPIC),
                new Buckets(Duration.ofMillis(number(configs, BUCKET_MS, Buckets.DEFAULT.toMillis()))),
                Duration.ofMillis(number(configs, PUBLISH_INTERVAL_MS, 10_000)),
                servers);
    }

    private static String string(Map<String, ?> c, String key, String dflt) {
        Object v = c.get(key);
        return v == null ? dflt : v.toString();
    }

    private static long number(Map<String, ?> c, String key, long dflt) {
        Object v = c.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.toString().trim());
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a positive number of milliseconds, not '" + v + "'");
        }
    }
}
