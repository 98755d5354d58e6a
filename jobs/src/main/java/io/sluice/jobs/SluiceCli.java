package io.sluice.jobs;

import ch.qos.logback.classic.Level;
import io.sluice.log.LogException;
import io.sluice.pipeline.config.PipelineConfigException;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command line. Results go to standard output; errors are one line on standard error
 * with a non-zero exit code (1 for a failed command, 2 for a usage error, as picocli counts them).
 *
 * <pre>
 *   sluice log append --topic demo hello world
 *   sluice log read --topic demo
 *   sluice log-server --listen 127.0.0.1:9092 --data-dir data/log
 * </pre>
 *
 * Tests run it in-process: {@code SluiceCli.commandLine(in, out, err).execute(args)}.
 */
@Command(name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = SluiceCli.Version.class,
        description = "Sluice: audited ingestion from a Kafka-protocol commit log into HDFS warehouse tables.",
        subcommands = {QuickstartCommand.class, PipelineCommand.class, LogCommand.class, LogServerCommand.class, RegistryCommand.class,
                io.sluice.jobs.audit.AuditCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'sluice COMMAND --help' for the options of a command."})
public final class SluiceCli implements Callable<Integer> {
    /** The variable logback.xml reads for the level of the io.sluice loggers. */
    static final String LOG_LEVEL_VARIABLE = "SLUICE_LOG_LEVEL";

    private final InputStream in;
    private boolean verbose;

    @Spec
    CommandSpec spec;

    SluiceCli(InputStream in) {
        this.in = in;
    }

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log what the storage engine does (INFO) and print stack traces of errors.")
    void setVerbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            org.slf4j.Logger logger = LoggerFactory.getLogger("io.sluice");
            if (logger instanceof ch.qos.logback.classic.Logger l) {
                l.setLevel(Level.INFO);
            }
        }
    }

    /**
     * Raises the io.sluice loggers to {@code level} unless SLUICE_LOG_LEVEL (environment or system property)
     * chose one or they log more already; returns the level to give back to {@link #restoreLogLevel}.
     */
    static Level defaultLogLevel(Level level) {
        org.slf4j.Logger logger = LoggerFactory.getLogger("io.sluice");
        if (!(logger instanceof ch.qos.logback.classic.Logger l)) {
            return null;
        }
        Level previous = l.getLevel();
        boolean chosen = System.getenv(LOG_LEVEL_VARIABLE) != null || System.getProperty(LOG_LEVEL_VARIABLE) != null;
        if (!chosen && !l.isEnabledFor(level)) {
            l.setLevel(level);
        }
        return previous;
    }

    static void restoreLogLevel(Level previous) {
        org.slf4j.Logger logger = LoggerFactory.getLogger("io.sluice");
        if (logger instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(previous);
        }
    }

    /** Where {@code sluice log append} reads values from when none are given as arguments. */
    InputStream in() {
        return in;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        // stdout is buffered (a read may print millions of lines) and, unlike System.out, reports write errors
        // such as a closed pipe; stderr is flushed line by line.
        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = commandLine(System.in, out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** The command line wired to these streams, with Sluice's error handling. */
    public static CommandLine commandLine(InputStream in, PrintWriter out, PrintWriter err) {
        SluiceCli root = new SluiceCli(in);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            boolean usage = isUsageError(e);
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e)
                    + (usage ? " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')" : ""));
            if (root.verbose) {
                e.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return usage ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        cl.setParameterExceptionHandler(SluiceCli::usageError);
        return cl;
    }

    /** One line: what was wrong and where to look, instead of picocli's full usage text. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return CommandLine.ExitCode.USAGE;
    }

    /** The user's error, not the system's: exit 2, as for a bad command line. */
    static boolean isUsageError(Exception e) {
        return e instanceof PipelineConfigException || (e instanceof CliException c && c.isUsage());
    }

    /** The message a user needs; the exception type only when the message alone would not say enough. */
    static String describe(Exception e) {
        if (e instanceof PipelineConfigException) {
            return "pipeline file error: " + e.getMessage();
        }
        if (e instanceof CliException || e instanceof LogException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return u.getMessage();
        }
        if (e instanceof IOException) {
            return "I/O error: " + e.getMessage();
        }
        return "internal error: " + e + " (run with --verbose for the stack trace)";
    }

    /** {@code sluice --version}: the build's version, from a resource Maven fills in. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }

        static String version() {
            Properties p = new Properties();
            try (InputStream s = SluiceCli.class.getResourceAsStream("version.properties")) {
                if (s != null) {
                    p.load(s);
                }
            } catch (IOException e) {
                return "unknown";
            }
            return p.getProperty("version", "unknown");
        }
    }
}
