package io.sluice.log.audit;

import io.sluice.audit.AuditConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the log tier of the audit.
 *
 * @param audit        audit topic, bucket width, publish interval (also how often counts are checkpointed) and
 *                     where to publish (the log server's own address)
 * @param instanceId   the tier instance's id in audit messages; must stay the same across restarts of the same
 *                     log, since its counts continue across them ({@link #instanceIdOf})
 * @param scanInterval how often the auditor looks for records that became durable
 */
public record LogAuditorConfig(AuditConfig audit, String instanceId, Duration scanInterval) {
    /** Scans once a second: latencies are measured to within it, and an idle log costs nothing noticeable. */
    public static final Duration DEFAULT_SCAN_INTERVAL = Duration.ofSeconds(1);

    public LogAuditorConfig {
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(scanInterval, "scanInterval");
        if (instanceId == null || instanceId.isBlank()) {
            throw new IllegalArgumentException("the log auditor needs an instance id");
        }
        if (scanInterval.toMillis() < 1) {
            throw new IllegalArgumentException("scanInterval must be at least 1 ms, was " + scanInterval);
        }
    }

    public LogAuditorConfig(AuditConfig audit, String instanceId) {
        this(audit, instanceId, DEFAULT_SCAN_INTERVAL);
    }

    /**
     * {@code log/<cluster id>/<node id>}: one log server per (cluster id, node id), the same after a restart, a
     * moved data directory or a lost checkpoint (whose recount then supersedes the earlier counts, as its
     * messages carry higher sequence numbers).
     */
    public static String instanceIdOf(String clusterId, int nodeId) {
        return "log/" + clusterId + "/" + nodeId;
    }

    public LogAuditorConfig withScanInterval(Duration interval) {
        return new LogAuditorConfig(audit, instanceId, interval);
    }
}
