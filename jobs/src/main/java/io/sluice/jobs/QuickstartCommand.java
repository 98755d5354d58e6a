package io.sluice.jobs;

import com.codahale.metrics.MetricRegistry;
import io.sluice.jobs.quickstart.EmbeddedStack;
import io.sluice.jobs.quickstart.PageViewEvents;
import io.sluice.jobs.quickstart.ProduceSummary;
import io.sluice.jobs.quickstart.QuickstartAudit;
import io.sluice.jobs.quickstart.QuickstartLatency;
import io.sluice.jobs.quickstart.QuickstartSummary;
import io.sluice.pipeline.DefinedPipeline;
import io.sluice.pipeline.IngestionJob;
import io.sluice.pipeline.config.AuditSettings;
import io.sluice.pipeline.config.ConfigValues;
import io.sluice.pipeline.config.PipelineDefinition;
import io.sluice.sink.CommitHook;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sluice quickstart}: the whole flow on one machine with nothing running beforehand. Starts log-core with
 * its registry, runs the unbounded ingestion pipeline of {@code conf/pipelines/quickstart.yaml} (embedded Flink by
 * default), produces page views while it runs, stops once the table's journal covers the log's end offsets, then
 * re-reads the table to print what arrived, and exits. With the pipeline file's audit on (as in quickstart.yaml),
 * every tier is audited (the producer, the log, the pipeline's sink and a re-count of the warehouse) and the audit
 * report of the topic ends the output.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Runs the whole flow locally: log-core + schema registry, page-view events, the ingestion "
                + "pipeline of conf/pipelines/quickstart.yaml on an embedded Flink, into a warehouse folder; then "
                + "prints what was ingested and the audit report of it, and exits.",
                "Run it again and it ingests the new events into the same table, exactly once."})
final class QuickstartCommand implements Callable<Integer> {
    static final String TOPIC = "page_views";

    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "300000", paramLabel = "N",
            description = "How many page views to produce (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--partitions", defaultValue = "4", paramLabel = "N",
            description = "Partitions of the page_views topic when it is created (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--warehouse", defaultValue = "sluice-quickstart/warehouse", paramLabel = "DIR",
            description = "Where the tables go on the local file system (default ${DEFAULT-VALUE}); with --hdfs, "
                    + "/warehouse on the in-process HDFS instead.")
    Path warehouse;

    @Option(names = "--data-dir", defaultValue = "sluice-quickstart/data", paramLabel = "DIR",
            description = "The log's files (and the in-process HDFS's, with --hdfs) (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--hdfs", description = "Write the tables to an in-process HDFS (MiniDFSCluster) instead.")
    boolean hdfs;

    @Option(names = "--runner", defaultValue = "flink", paramLabel = "flink|direct",
            description = "The Beam runner: flink (embedded, the default) or direct.")
    String runner;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The pipeline file (default: conf/pipelines/quickstart.yaml of this checkout).")
    Path config;

    @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
            description = "Give up if the table has not caught up with the log after this long (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated events (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (events < 1 || partitions < 1) {
            throw CliException.usage("--events and --partitions must be at least 1");
        }
        if (!runner.equals("flink") && !runner.equals("direct")) {
            throw CliException.usage("--runner must be flink or direct, not '" + runner + "'");
        }
        Duration patience = ConfigValues.parseDuration(timeout);
        Path pipelineFile = config != null ? config : SluiceHome.conf("pipelines/quickstart.yaml");
        PipelineDefinition file = PipelineDefinition.load(pipelineFile); // a bad file fails before anything starts
        PrintWriter out = spec.commandLine().getOut();
        ch.qos.logback.classic.Level previous = SluiceCli.defaultLogLevel(ch.qos.logback.classic.Level.WARN);
        long started = System.nanoTime();
        try (EmbeddedStack stack = EmbeddedStack.start(dataDir.toAbsolutePath(), hdfs)) {
            say(out, "log-core on " + stack.bootstrap() + ", schema registry on " + stack.registryUrl()
                    + (hdfs ? ", HDFS on " + stack.fsUri() : "") + " (log in " + dataDir.toAbsolutePath().resolve("log") + ")");
            if (stack.log().topic(TOPIC).isPresent()) {
                say(out, "topic " + TOPIC + " exists from an earlier run; adding to it");
            } else {
                stack.createTopic(TOPIC, partitions);
            }
            String root = hdfs ? stack.uri("/warehouse").toString() : warehouse.toAbsolutePath().toUri().toString();
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("source.bootstrap-servers", stack.bootstrap());
            overrides.put("source.schema-registry-url", stack.registryUrl());
            overrides.put("source.topics", TOPIC);
            overrides.put("warehouse.root", root);
            overrides.put("runner.type", runner);
            // the job learns within 2 s that a partition has records, before any commit could close a partition
            overrides.put("source.discovery-interval", "2s");
            PipelineDefinition definition = file.withOverrides(overrides);
            TableSpec table = definition.tableSpecFor(TOPIC);
            Configuration hadoop = stack.hadoop();
            definition.hadoopConfiguration().forEach(hadoop::set);
            AuditSettings audit = definition.audit();
            PageViewEvents.Options eventOptions = PageViewEvents.Options.defaults().withSeed(seed);
            if (audit.enabled()) {
                stack.startLogAudit(audit.toAuditConfig());
                // A bucket is judged once every tier has got past its end plus the allowed lateness: with events
                // ending a bucket and the lateness before now, tiers that report being caught up pass every bucket.
                eventOptions = eventOptions.withEnd(Instant.now().minus(table.allowedLateness()).minus(audit.bucket()));
            }

            QuickstartLatency latency;
            ProduceSummary produced;
            boolean caughtUp;
            long pipelineStarted = System.nanoTime();
            try (IngestionJob job = DefinedPipeline.job(definition, CommitHook.NONE)) {
                say(out, "starting pipeline " + definition.name() + " on " + (runner.equals("flink") ? "an embedded Flink" : "the DirectRunner")
                        + " into " + table.root());
                job.start();
                latency = new QuickstartLatency(table, TOPIC, hadoop);
                say(out, "producing " + events + " page views to " + TOPIC + (audit.enabled() ? " (audited)" : "") + " ...");
                produced = PageViewEvents.produce(stack.bootstrap(), stack.registryUrl(), TOPIC, events, eventOptions,
                        latency::acked, audit.enabled() ? PageViewEvents.audited(audit.toAuditConfig()) : PageViewEvents.PLAIN);
                say(out, String.format(Locale.ROOT, "produced %d page views in %.1f s; waiting for the table to catch up ...",
                        produced.count(), produced.elapsed().toMillis() / 1000.0));
                long deadline = System.nanoTime() + patience.toNanos();
                long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!(caughtUp = job.isCaughtUp()) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    if (System.nanoTime() > nextReport) {
                        nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        long lag = job.lag().values().stream().mapToLong(Long::longValue).sum();
                        say(out, "  " + lag + " records not committed yet");
                    }
                }
                latency.close();
            } // closing the job publishes the sink tier's last counts
            if (!caughtUp) {
                throw new CliException("the table did not catch up with the log within " + timeout
                        + "; what it committed so far is in " + table.root());
            }
            long pipelineMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pipelineStarted);
            QuickstartAudit audited = null;
            if (audit.enabled()) {
                say(out, "auditing: the warehouse re-counted, every tier's counts compared ...");
                stack.stopLogAudit(); // counts what became durable since its last scan and publishes it
                audited = QuickstartAudit.judge(audit, table, hadoop, TOPIC, table.allowedLateness());
                // next to the table on the local file system; with --hdfs next to the log (the HDFS goes with us)
                audited.writeReports(hdfs ? dataDir.toAbsolutePath().resolve("_audit")
                        : warehouse.toAbsolutePath().resolve("_audit"));
            }
            QuickstartSummary summary = QuickstartSummary.of(table, hadoop, stack.endOffsets(TOPIC), produced, latency,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), pipelineMillis);
            summary.print(out, definition.name());
            if (audited != null) {
                audited.print(out);
            } else {
                say(out, "\nAudit: off (audit.enabled is not true in " + pipelineFile + ")");
            }
            out.println();
            say(out, summary.json(audited == null ? Map.of() : audited.json()));
            boolean good = summary.exactlyOnce() && (audited == null || audited.clean());
            return good ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
        } finally {
            SluiceCli.restoreLogLevel(previous);
        }
    }

    private static void say(PrintWriter out, String line) {
        out.println(line);
        out.flush();
    }
}
