package io.sluice.jobs.audit;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.aggregate.AuditAggregator;
import io.sluice.audit.aggregate.AuditStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice audit report}: reads the audit topic up to its current end (resuming from, and updating, the
 * state in --state-dir if given), judges every bucket and prints the report.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Read the audit topic up to now and report, per topic and time bucket, whether every tier has "
                + "every record: COMPLETE, PENDING, INCOMPLETE, DUPLICATED or CORRUPT.",
            "With --state-dir the aggregated state is kept there and the next report reads only what is new."})
final class AuditReportCommand implements Callable<Integer> {
    enum Format { table, json, html }

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT",
            description = "Where the audit topic is (bootstrap.servers).")
    String bootstrap;

    @Option(names = "--audit-topic", defaultValue = AuditConfig.DEFAULT_TOPIC, paramLabel = "TOPIC",
            description = "The audit topic (default: ${DEFAULT-VALUE}).")
    String auditTopic;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Keep the aggregated state here (default: none, the whole audit topic is read each time).")
    Path stateDir;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "A topic to report on; repeat for more (default: every audited topic).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--from", paramLabel = "TIME", converter = AuditCommand.TimeConverter.class,
            description = "First bucket to report: an instant (2026-03-01T10:00:00Z), epoch milliseconds or -6h.")
    Long from;

    @Option(names = "--to", paramLabel = "TIME", converter = AuditCommand.TimeConverter.class,
            description = "Report buckets that start before this time.")
    Long to;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
            description = "table, json or html (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the report here instead of standard output.")
    Path out;

    @Option(names = "--lateness", defaultValue = "1h", paramLabel = "DURATION", converter = AuditCommand.DurationConverter.class,
            description = "How long after a bucket's end records may still arrive; a bucket is PENDING until every "
                    + "tier has passed its end plus this (default: ${DEFAULT-VALUE}).")
    Duration lateness;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION", converter = AuditCommand.DurationConverter.class,
            description = "How long reading the audit topic may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (from != null && to != null && from >= to) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from must be before --to");
        }
        AuditAggregator.Settings settings = AuditAggregator.Settings.of(bootstrap).withAuditTopic(auditTopic)
                .withLateness(lateness);
        AuditReport report = AuditReport.read(settings, stateDir == null ? null : new AuditStore(stateDir), topics,
                from == null ? Long.MIN_VALUE : from, to == null ? Long.MAX_VALUE : to, timeout);
        if (out == null) {
            render(report, spec.commandLine().getOut());
        } else {
            report.writeTo(out, this::render);
            spec.commandLine().getOut().println("audit report (" + format + ") written to " + out);
            spec.commandLine().getOut().flush();
        }
        return CommandLine.ExitCode.OK;
    }

    private void render(AuditReport report, PrintWriter w) {
        switch (format) {
            case table -> TableReport.write(report, w);
            case json -> JsonReport.write(report, w);
            case html -> HtmlReport.write(report, w);
        }
    }
}
