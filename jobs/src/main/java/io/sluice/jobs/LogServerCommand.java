package io.sluice.jobs;

import ch.qos.logback.classic.Level;
import io.sluice.log.LogManager;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice log-server}: the log of a data directory served over the Kafka protocol, in the foreground.
 * Prints one line on standard output once clients can connect; SIGTERM or Ctrl-C (SIGINT) stops it cleanly
 * (a shutdown hook closes the server, then flushes and closes the log, which writes the clean-shutdown
 * marker) and the process exits with 0, or 1 if the log could not be closed cleanly.
 */
@Command(name = "log-server", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Serve the log in a data directory over the Kafka protocol, in the foreground, until SIGTERM "
                + "or Ctrl-C.",
            "Kafka clients connect with bootstrap.servers set to the --listen (or --advertise) address. Settings "
                    + "other than the addresses come from --config-file (conf/log-server.yaml)."})
final class LogServerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LogServerCommand.class);
    static final String DEFAULT_LISTEN = "127.0.0.1:9092";
    static final String CLEAN_SHUTDOWN_MARKER = ".clean-shutdown";

    @Mixin
    LogOptions log;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = DEFAULT_LISTEN, converter = HostPort.Converter.class,
            description = "Address to listen on (default: " + DEFAULT_LISTEN + "); port 0 picks a free port.")
    HostPort listen;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
            description = "Address returned to clients in Metadata, where they connect (default: the listen address; "
                    + "needed when listening on 0.0.0.0).")
    HostPort advertise;

    static final String DEFAULT_REGISTRY_LISTEN = "127.0.0.1:8081";

    @Option(names = "--registry-listen", paramLabel = "HOST:PORT", defaultValue = DEFAULT_REGISTRY_LISTEN,
            description = "Address of the schema registry's HTTP API, in this process, storing schemas in this server's "
                    + "_schemas topic (default: " + DEFAULT_REGISTRY_LISTEN + "); empty or 'off' turns it off.")
    String registryListen;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT|off",
            description = "Address of the Prometheus metrics endpoint (/metrics); 'off' turns it off (default: "
                    + "metrics.http.listen of --config-file, else " + LogSettings.DEFAULT_METRICS_HTTP_LISTEN + ").")
    String metricsListen;

    @Spec
    CommandSpec spec;

    private final Object lifecycle = new Object();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    // guarded by lifecycle
    private LogManager logManager;
    private KafkaServer server;
    private io.sluice.log.server.MetricsHttpServer metricsHttp;
    private io.sluice.registry.SchemaRegistry registry;
    private io.sluice.log.audit.LogAuditor auditor;
    private volatile int registryPort = -1;
    private Thread shutdownHook;
    private boolean stopping;
    private Level previousLevel;
    private volatile boolean cleanlyStopped;
    private volatile int port = -1;
    private Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        if (listen.isWildcard() && advertise == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "listening on " + listen
                    + " needs --advertise HOST:PORT: clients cannot connect to a wildcard address");
        }
        if (advertise != null && advertise.port() == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--advertise needs a port in [1, 65535], was 0");
        }
        if (metricsListen != null && !metricsListen.isBlank() && !metricsListen.trim().equalsIgnoreCase("off")) {
            try {
                HostPort.parse(metricsListen.trim());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--metrics-listen must be HOST:PORT or off, not '"
                        + metricsListen + "'");
            }
        }
        HostPort registryAt = registryAddress();
        LogSettings settings = log.settings();
        KafkaServerConfig config = settings.serverConfig(listen.host(), listen.port());
        if (advertise != null) {
            config = config.withAdvertised(advertise.host(), advertise.port());
        }
        dataDir = log.dataDir();
        String advertised;
        synchronized (lifecycle) {
            previousLevel = SluiceCli.defaultLogLevel(Level.INFO); // a server says what it does
            LOG.info("Opening the log in {}", dataDir);
            try {
                logManager = log.open();
            } catch (RuntimeException e) {
                SluiceCli.restoreLogLevel(previousLevel);
                throw e;
            }
            shutdownHook = new Thread(this::stopOnSignal, "sluice-log-server-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            try {
                server = KafkaServer.start(config, logManager);
            } catch (RuntimeException e) {
                removeShutdownHook();
                logManager.close();
                SluiceCli.restoreLogLevel(previousLevel);
                throw new CliException("cannot listen on " + listen + ": " + message(e));
            }
            port = server.port();
            auditor = startAuditor(settings, config);
            metricsHttp = startMetricsHttp(settings);
            advertised = advertise != null ? advertise.toString()
                    : new HostPort(listen.host(), port).toString();
            registry = startRegistry(registryAt, advertised);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("sluice log-server listening on " + new HostPort(listen.host(), port) + " (advertised " + advertised
                + ", data dir " + dataDir + ")");
        if (registry != null) {
            out.println("schema registry listening on " + new HostPort(registryAt.host(), registryPort));
        }
        out.flush();
        ready.countDown();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            stop("interrupted", false);
            throw e;
        }
        return cleanlyStopped ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    }

    /**
     * Starts the log tier of the audit (unless turned off), publishing through this server; a failure only costs
     * a warning, as for the metrics endpoint: the log serves clients either way.
     */
    private io.sluice.log.audit.LogAuditor startAuditor(LogSettings settings, KafkaServerConfig config) {
        if (!settings.auditEnabled()) {
            return null;
        }
        HostPort self = new HostPort(listen.isWildcard() ? "127.0.0.1" : listen.host(), port);
        try {
            return io.sluice.log.audit.LogAuditor.start(logManager, new io.sluice.log.audit.LogAuditorConfig(
                    settings.auditConfig(self.toString()),
                    io.sluice.log.audit.LogAuditorConfig.instanceIdOf(config.clusterId(), config.nodeId())),
                    server.metrics());
        } catch (RuntimeException e) {
            LOG.warn("The log audit did not start ({}); the server runs without counting", message(e));
            return null;
        }
    }

    /** Serves the server's metrics in Prometheus format, unless turned off; a taken port only costs a warning. */
    private io.sluice.log.server.MetricsHttpServer startMetricsHttp(LogSettings settings) {
        java.util.Optional<String> listen = metricsListen == null ? settings.metricsHttpListen()
                : metricsListen.isBlank() || metricsListen.trim().equalsIgnoreCase("off") ? java.util.Optional.empty()
                : java.util.Optional.of(metricsListen.trim());
        if (listen.isEmpty()) {
            return null;
        }
        try {
            HostPort at = HostPort.parse(listen.get());
            return io.sluice.log.server.MetricsHttpServer.start(at.host(), at.port(), server.metrics());
        } catch (RuntimeException e) {
            LOG.warn("Metrics endpoint not started on {} ({}); metrics stay available over JMX", listen.get(),
                    message(e));
            return null;
        }
    }

    /**
     * Starts the schema registry against this server (its advertised address), unless turned off; a taken port or
     * any other failure only costs a warning, as for the metrics endpoint.
     */
    private io.sluice.registry.SchemaRegistry startRegistry(HostPort hp, String bootstrap) {
        if (hp == null) {
            return null;
        }
        try {
            io.sluice.registry.SchemaRegistry r = io.sluice.registry.SchemaRegistry.start(
                    new io.sluice.registry.RegistryConfig(hp.host(), hp.port(), bootstrap));
            registryPort = r.port();
            return r;
        } catch (RuntimeException e) {
            LOG.warn("Schema registry not started on {} ({})", hp, message(e));
            return null;
        }
    }

    /** --registry-listen parsed; null when turned off (empty or "off"). */
    private HostPort registryAddress() {
        String at = registryListen == null ? "" : registryListen.trim();
        if (at.isEmpty() || at.equalsIgnoreCase("off")) {
            return null;
        }
        try {
            return HostPort.parse(at);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--registry-listen: " + e.getMessage());
        }
    }

    /** The schema registry's bound port once ready, or -1 when it is off or did not start. */
    int registryPort() {
        return registryPort;
    }

    /** Waits until the server accepts connections; false on timeout. For tests that run the command in a thread. */
    boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
        return ready.await(timeout, unit);
    }

    /** The bound port, once ready. */
    int port() {
        return port;
    }

    /** Stops the server as SIGTERM does, but lets {@link #call()} return (with 0 if the log closed cleanly). */
    void stop() {
        stop("stop requested", false);
    }

    /** The shutdown hook: SIGTERM, SIGINT (Ctrl-C), SIGHUP. Halts with 0 once stopped cleanly (not 128+signal). */
    private void stopOnSignal() {
        boolean clean = false;
        try {
            clean = stop("the JVM is shutting down: SIGTERM, Ctrl-C or exit", true);
        } catch (Throwable t) {
            LOG.error("Stopping failed", t);
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(clean ? 0 : 1);
    }

    /** Closes the server, then the log; true if the log closed cleanly (the clean-shutdown marker is there). */
    private boolean stop(String reason, boolean fromHook) {
        synchronized (lifecycle) {
            if (stopping || logManager == null) {
                return cleanlyStopped;
            }
            stopping = true;
            try {
                if (!fromHook) {
                    removeShutdownHook();
                }
                if (metricsHttp != null) {
                    metricsHttp.close();
                }
                if (registry != null) {
                    LOG.info("Stopping ({}): closing the schema registry on port {}", reason, registry.port());
                    try {
                        registry.close();
                    } catch (RuntimeException e) {
                        LOG.warn("Closing the schema registry failed: {}", message(e));
                    }
                }
                if (auditor != null) {
                    // before the server: its last counts are published through it
                    try {
                        auditor.close();
                    } catch (RuntimeException e) {
                        LOG.warn("Closing the log audit failed: {}", message(e));
                    }
                }
                if (server != null) {
                    LOG.info("Stopping ({}): closing the Kafka-protocol server on port {}", reason, server.port());
                    server.close();
                }
                LOG.info("Flushing and closing the log in {}", dataDir);
                logManager.close();
                cleanlyStopped = Files.exists(dataDir.resolve(CLEAN_SHUTDOWN_MARKER));
                if (cleanlyStopped) {
                    LOG.info("Stopped cleanly: every partition flushed, clean-shutdown marker written in {}", dataDir);
                } else {
                    LOG.error("Stopped, but the log in {} did not close cleanly; the next start will recover it", dataDir);
                }
                return cleanlyStopped;
            } finally {
                if (!fromHook) {
                    SluiceCli.restoreLogLevel(previousLevel);
                }
                stopped.countDown();
            }
        }
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already: the hook runs and finds the server stopping
        }
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.io.UncheckedIOException)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** HOST:PORT, or [IPv6]:PORT. */
    record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("expected HOST:PORT, such as " + DEFAULT_LISTEN + ", was '" + s + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("an IPv6 address goes in brackets, as [::1]:9092, was '" + s + "'");
            }
            if (host.isBlank()) {
                throw new IllegalArgumentException("expected HOST:PORT with a host, was '" + s + "'");
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the port of '" + s + "' is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("the port of '" + s + "' is not in [0, 65535]");
            }
            return new HostPort(host, port);
        }

        boolean isWildcard() {
            return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        static final class Converter implements CommandLine.ITypeConverter<HostPort> {
            @Override
            public HostPort convert(String value) {
                try {
                    return parse(value);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.TypeConversionException(e.getMessage());
                }
            }
        }
    }
}
