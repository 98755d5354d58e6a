package io.sluice.jobs.audit;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditMessage;
import io.sluice.audit.BucketCounts;
import io.sluice.sink.TableSpec;
import io.sluice.sink.audit.WarehouseVerifier;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice audit verify}: the warehouse tier, one shot. Re-reads every committed file of a table, prints the
 * recount per (topic, bucket) and, with --bootstrap, publishes it to the audit topic as instance
 * {@code warehouse/<table>} (sequence: the time of the run).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Re-read every committed file of a table and recount it per topic and bucket (the warehouse"
                + " tier of the audit); with --bootstrap, publish the recount to the audit topic."})
final class AuditVerifyCommand implements Callable<Integer> {
    @Option(names = "--table", required = true, paramLabel = "NAME", description = "The table's name.")
    String table;

    @Option(names = "--table-root", required = true, paramLabel = "URI",
            description = "The table's root (hdfs://… or file:///…).")
    String root;

    @Option(names = "--bucket", defaultValue = "10m", paramLabel = "DURATION", converter = AuditCommand.DurationConverter.class,
            description = "Audit bucket width, as the other tiers use (default: ${DEFAULT-VALUE}).")
    Duration bucket;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Publish the recount to this log.")
    String bootstrap;

    @Option(names = "--audit-topic", defaultValue = AuditConfig.DEFAULT_TOPIC, paramLabel = "TOPIC",
            description = "The audit topic (default: ${DEFAULT-VALUE}).")
    String auditTopic;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TableSpec table = TableSpec.builder(this.table, root).auditBucket(bucket).build();
        WarehouseVerifier.Result r = WarehouseVerifier.open(table, new Configuration()).verify();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("table %s: %d files, %d rows read, %d files unreadable%n", r.table(), r.filesRead(), r.rowsRead(),
                r.unreadable().size());
        for (BucketCounts b : r.buckets()) {
            out.printf("  %-24s %s  rows %d%s%n", b.topic(), Instant.ofEpochMilli(b.bucketStart()),
                    b.rowDigest().count(), b.unreadable() > 0 ? "  UNREADABLE FILES " + b.unreadable() : "");
        }
        for (WarehouseVerifier.UnreadableFile u : r.unreadable()) {
            out.printf("  unreadable: %s (%d rows read): %s%n", u.path(), u.rowsRead(), u.reason());
        }
        if (bootstrap != null) {
            AuditMessage m = r.message(System.currentTimeMillis());
            AuditMessageSender.send(bootstrap, auditTopic, m);
            out.printf("published as %s seq %d to %s%n", m.instanceId(), m.seq(), auditTopic);
        }
        out.flush();
        return r.unreadable().isEmpty() ? CommandLine.ExitCode.OK : 3;
    }
}
