package io.sluice.jobs.bench;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.Buckets;
import io.sluice.jobs.quickstart.EmbeddedStack;
import io.sluice.log.audit.LogAuditor;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * The audit around one benchmark run of the pipeline: the log tier counting the whole topic again from offset 0
 * while the pipeline reads it (its checkpoint is removed first, so that each run pays for counting every record,
 * as a log would have while the records arrived), and the audit topic the pipeline's sink tier publishes to.
 */
final class AuditTiers {
    private final EmbeddedStack stack;
    private final AuditConfig config;

    AuditTiers(EmbeddedStack stack) {
        this.stack = stack;
        this.config = new AuditConfig(AuditConfig.DEFAULT_TOPIC, new Buckets(Buckets.DEFAULT), Duration.ofSeconds(10),
                stack.bootstrap());
    }

    AuditConfig config() {
        return config;
    }

    /** Starts the log tier on a fresh count. */
    void start() throws IOException {
        Files.deleteIfExists(stack.log().dataDir().resolve(LogAuditor.CHECKPOINT_FILE));
        stack.startLogAudit(config);
    }

    /** Stops the log tier (it publishes its last counts). */
    void stop() {
        stack.stopLogAudit();
    }
}
