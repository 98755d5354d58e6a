package io.sluice.jobs;

import ch.qos.logback.classic.Level;
import io.sluice.jobs.LogServerCommand.HostPort;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.SchemaRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice registry}: the schema registry alone, in the foreground, against any Kafka cluster. SIGTERM or
 * Ctrl-C stops it.
 */
@Command(name = "registry", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Serve the Avro schema registry (Confluent-compatible REST API) in the foreground, storing schemas "
                + "in a compacted topic of any Kafka cluster, until SIGTERM or Ctrl-C."})
final class RegistryCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryCommand.class);

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Kafka bootstrap servers holding the schemas topic.")
    String bootstrap;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = LogServerCommand.DEFAULT_REGISTRY_LISTEN,
            converter = HostPort.Converter.class,
            description = "HTTP address to listen on (default: " + LogServerCommand.DEFAULT_REGISTRY_LISTEN + ").")
    HostPort listen;

    @Option(names = "--topic", defaultValue = RegistryConfig.DEFAULT_TOPIC, paramLabel = "TOPIC",
            description = "The compacted topic holding the schemas (default: " + RegistryConfig.DEFAULT_TOPIC + ").")
    String topic;

    @Spec
    CommandSpec spec;

    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile SchemaRegistry registry;

    @Override
    public Integer call() throws InterruptedException {
        Level previous = SluiceCli.defaultLogLevel(Level.INFO);
        try {
            try {
                registry = SchemaRegistry.start(new RegistryConfig(listen.host(), listen.port(), bootstrap, topic));
            } catch (RuntimeException e) {
                throw new CliException("cannot start the schema registry on " + listen + " against " + bootstrap + ": "
                        + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
            Thread hook = new Thread(this::stop, "sluice-registry-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            PrintWriter out = spec.commandLine().getOut();
            out.println("schema registry listening on " + new HostPort(listen.host(), registry.port()) + " (schemas in "
                    + topic + " at " + bootstrap + ")");
            out.flush();
            ready.countDown();
            stopped.await();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down
            }
            return CommandLine.ExitCode.OK;
        } finally {
            SluiceCli.restoreLogLevel(previous);
        }
    }

    boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
        return ready.await(timeout, unit);
    }

    int port() {
        SchemaRegistry r = registry;
        return r == null ? -1 : r.port();
    }

    /** Closes the registry and lets {@link #call()} return. */
    void stop() {
        SchemaRegistry r = registry;
        if (r != null) {
            LOG.info("Stopping the schema registry on port {}", r.port());
            r.close();
        }
        stopped.countDown();
    }
}
