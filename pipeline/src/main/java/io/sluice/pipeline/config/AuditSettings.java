package io.sluice.pipeline.config;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.Buckets;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code audit} section of a pipeline file: whether the pipeline publishes the sink tier of the audit (what its
 * tables committed, per topic and time bucket) and where. Immutable.
 *
 * <p>The bucket width is also the audit bucket of every table of the pipeline (the sink counts in it whether or not
 * it publishes), so it must be the width every other tier uses: the log server's {@code sluice.audit.bucket.ms}
 * and the producers'.
 *
 * @param enabled          whether the job publishes the sink tier
 * @param topic            the audit topic
 * @param bucket           the width of the time buckets, a whole number of seconds
 * @param publishInterval  how often the counts are published (and once more when the job stops)
 * @param bootstrapServers where the audit topic is (the source's log unless the file says otherwise)
 */
public record AuditSettings(boolean enabled, String topic, Duration bucket, Duration publishInterval,
                            String bootstrapServers) {
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(10);

    public AuditSettings {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(publishInterval, "publishInterval");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        new Buckets(bucket); // refuses a width that is not a positive whole number of seconds, naming it
    }

    /** The settings of the audit library, as the job's publisher takes them. */
    public AuditConfig toAuditConfig() {
        return new AuditConfig(topic, new Buckets(bucket), publishInterval, bootstrapServers);
    }
}
