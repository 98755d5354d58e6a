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
import io.sluice.sink.TableClaimedException;
import io.sluice.sink.WarehouseCheck;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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
                            + "from the tables' journals).",
                    "One run holds each table: a second run on a table a live run holds is refused, naming the "
                            + "holder, unless started with --take-over. Exits 1 if another run takes a table over."})
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

        @Option(names = "--take-over",
                description = {"Take the pipeline's tables even from a live run that holds them (a run on another host"
                        + " whose process may be stuck, a deploy replacing the previous one): that run's writers are"
                        + " fenced at their next commit and it stops when it notices. Without it a held table refuses"
                        + " the start, naming the run that holds it."})
        boolean takeOver;

        @Override
        public Integer call() throws Exception {
            PipelineDefinition definition = PipelineDefinition.load(config);
            if (!overrides.isEmpty()) {
                definition = definition.withOverrides(overrides);
            }
            PrintWriter out = spec.commandLine().getOut();
            MetricRegistry registry = metrics();
            CompletableFuture<String> stop = new CompletableFuture<>();
            CountDownLatch done = new CountDownLatch(1);
            String failure;
            try (JmxReporter jmx = JmxReporter.forRegistry(registry).inDomain("io.sluice.pipeline").build();
                 MetricsHttpServer http = startHttp(registry);
                 IngestionJob job = DefinedPipeline.job(definition, null, takeOver)) {
                jmx.start();
                // the JVM shuts down once hooks return: wait for the job to stop and commit what it can
                Thread hook = new Thread(() -> {
                    stop.complete(null);
                    try {
                        done.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "sluice-pipeline-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    job.start();
                } catch (TableClaimedException | WarehouseCheck.WarehouseUnavailableException e) {
                    throw new CliException(e.getMessage());
                }
                out.println("pipeline " + definition.name() + " running: " + job
                        + (http != null ? "; metrics on http://" + metricsListen + MetricsHttpServer.PATH : ""));
                out.flush();
                // until SIGTERM, or until the job stops by itself for good (another run took a table over)
                failure = (String) CompletableFuture.anyOf(stop, job.failure()).get();
                out.println("pipeline " + definition.name() + " stopping");
                out.flush();
            } finally {
                done.countDown();
            }
            if (failure != null) {
                throw new CliException(failure);
            }
            return CommandLine.ExitCode.OK;
        }

        private MetricsHttpServer startHttp(MetricRegistry registry) {
            if (metricsListen.equalsIgnoreCase("off")) {
                return null;
            }
            int colon = metricsListen.lastIndexOf(':');
            if (colon < 1) {
                throw CliException.usage("--metrics-listen must be HOST:PORT or off, not '" + metricsListen + "'");
            }
            return MetricsHttpServer.start(metricsListen.substring(0, colon),
                    Integer.parseInt(metricsListen.substring(colon + 1)), registry);
        }
    }
}
