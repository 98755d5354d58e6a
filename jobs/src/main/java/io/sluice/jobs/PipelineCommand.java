package io.sluice.jobs;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SharedMetricRegistries;
import com.codahale.metrics.jmx.JmxReporter;
import io.sluice.log.server.MetricsHttpServer;
import io.sluice.pipeline.DefinedPipeline;
import io.sluice.pipeline.IngestionJob;
import io.sluice.pipeline.config.PipelineDefinition;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sluice pipeline run}: runs a pipeline file until stopped (SIGTERM or Ctrl-C). */
@Command(name = "pipeline", description = "Ingestion pipelines defined in conf/pipelines/*.yaml.",
        subcommands = {PipelineCommand.Run.class})
final class PipelineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** The metrics registry every pipeline step and table writer of this process reports to. */
    static MetricRegistry metrics() {
        return SharedMetricRegistries.getOrCreate("sluice");
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Runs the pipeline a file defines, in the foreground, until SIGTERM or Ctrl-C.",
                    "Topics and partitions created while it runs are picked up (the job restarts itself and resumes "
                            + "from the tables' journals)."})
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The pipeline file.")
        Path config;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Overrides a key of the file by its path, e.g. --set source.bootstrap-servers=host:9092 "
                        + "--set warehouse.root=hdfs://nn:8020/warehouse. Repeatable; an empty value restores the default.")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Option(names = "--metrics-listen", paramLabel = "HOST:PORT|off", defaultValue = "127.0.0.1:9464",
                description = "Where the Prometheus metrics endpoint listens (default ${DEFAULT-VALUE}); 'off' for JMX only.")
        String metricsListen;

        @Override
        public Integer call() throws Exception {
            PipelineDefinition definition = PipelineDefinition.load(config);
            if (!overrides.isEmpty()) {
                definition = definition.withOverrides(overrides);
            }
            PrintWriter out = spec.commandLine().getOut();
            MetricRegistry registry = metrics();
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            try (JmxReporter jmx = JmxReporter.forRegistry(registry).inDomain("io.sluice.pipeline").build();
                 MetricsHttpServer http = startHttp(registry);
                 IngestionJob job = DefinedPipeline.job(definition, null)) {
                jmx.start();
                // the JVM shuts down once hooks return: wait for the job to stop and commit what it can
                Thread hook = new Thread(() -> {
                    stop.countDown();
                    try {
                        done.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "sluice-pipeline-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                job.start();
                out.println("pipeline " + definition.name() + " running: " + job
                        + (http != null ? "; metrics on http://" + metricsListen + MetricsHttpServer.PATH : ""));
                out.flush();
                stop.await();
                out.println("pipeline " + definition.name() + " stopping");
                out.flush();
            } finally {
                done.countDown();
            }
            return CommandLine.ExitCode.OK;
        }

        private MetricsHttpServer startHttp(MetricRegistry registry) {
            if (metricsListen.equalsIgnoreCase("off")) {
                return null;
            }
            int colon = metricsListen.lastIndexOf(':');
            if (colon < 1) {
                throw new CliException("--metrics-listen must be HOST:PORT or off, not '" + metricsListen + "'");
            }
            return MetricsHttpServer.start(metricsListen.substring(0, colon),
                    Integer.parseInt(metricsListen.substring(colon + 1)), registry);
        }
    }
}
