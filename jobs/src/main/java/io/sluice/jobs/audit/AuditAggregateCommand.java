package io.sluice.jobs.audit;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.aggregate.AuditAggregator;
import io.sluice.audit.aggregate.AuditStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice audit aggregate}: the aggregator as a service, in the foreground until SIGTERM or Ctrl-C,
 * keeping its state in --state-dir and its gauges on JMX (domain io.sluice.audit).
 */
@Command(name = "aggregate", mixinStandardHelpOptions = true,
        description = {"Consume the audit topic continuously, keep the aggregated state in --state-dir and expose "
                + "completeness, pending buckets and lag per topic on JMX (domain io.sluice.audit), until SIGTERM or Ctrl-C."})
final class AuditAggregateCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Where the audit topic is.")
    String bootstrap;

    @Option(names = "--audit-topic", defaultValue = AuditConfig.DEFAULT_TOPIC, paramLabel = "TOPIC",
            description = "The audit topic (default: ${DEFAULT-VALUE}).")
    String auditTopic;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "Where the state is kept.")
    Path stateDir;

    @Option(names = "--lateness", defaultValue = "1h", paramLabel = "DURATION", converter = AuditCommand.DurationConverter.class,
            description = "Allowed lateness for the gauges' judgement (default: ${DEFAULT-VALUE}).")
    Duration lateness;

    @Option(names = "--snapshot-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = AuditCommand.DurationConverter.class,
            description = "How often the state is written (default: ${DEFAULT-VALUE}).")
    Duration snapshotInterval;

    @Option(names = "--retention", paramLabel = "DURATION", converter = AuditCommand.DurationConverter.class,
            description = "Forget buckets older than this (default: keep every bucket).")
    Duration retention;

    @Spec
    CommandSpec spec;

    private final CountDownLatch started = new CountDownLatch(1);
    private volatile AuditAggregator aggregator;

    @Override
    public Integer call() throws InterruptedException {
        AuditAggregator.Settings settings = AuditAggregator.Settings.of(bootstrap).withAuditTopic(auditTopic)
                .withLateness(lateness).withSnapshotInterval(snapshotInterval);
        if (retention != null) {
            settings = settings.withRetention(retention);
        }
        MetricRegistry metrics = new MetricRegistry();
        AuditAggregator a = AuditAggregator.open(settings, new AuditStore(stateDir), metrics);
        Thread hook = new Thread(a::close, "sluice-audit-aggregate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (JmxReporter jmx = JmxReporter.forRegistry(metrics).inDomain("io.sluice.audit").build()) {
            jmx.start();
            aggregator = a;
            PrintWriter out = spec.commandLine().getOut();
            out.println("sluice audit aggregate consuming " + auditTopic + " at " + bootstrap + " (state in " + stateDir + ")");
            out.flush();
            started.countDown();
            a.run();
        } finally {
            started.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running
            }
        }
        return CommandLine.ExitCode.OK;
    }

    /** For tests: the running aggregator, once started. */
    AuditAggregator awaitStarted(long timeout, TimeUnit unit) throws InterruptedException {
        started.await(timeout, unit);
        return aggregator;
    }

    /** Stops the service as SIGTERM would. */
    void stop() {
        AuditAggregator a = aggregator;
        if (a != null) {
            a.close();
        }
    }
}
