package io.sluice.log.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects the WARN and ERROR lines that the server (io.sluice) and Netty (io.netty) log while a test
 * runs, to check that bad input is logged once per connection and that nothing else spams the log.
 */
final class LogCapture implements AutoCloseable {
    private static final String[] LOGGERS = {"io.sluice", "io.netty"};

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture() {
        appender.start();
        for (String name : LOGGERS) {
            ((Logger) LoggerFactory.getLogger(name)).addAppender(appender);
        }
    }

    /** Every WARN or ERROR line so far, formatted, with its logger name first. */
    List<String> warnings() {
        synchronized (appender.list) {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        }
    }

    /** Every line logged with a stack trace, or at ERROR, whatever its level otherwise. */
    List<String> stackTracesAndErrors() {
        synchronized (appender.list) {
            return appender.list.stream()
                    .filter(e -> e.getThrowableProxy() != null || e.getLevel().isGreaterOrEqual(Level.ERROR))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null ? "" : " | " + e.getThrowableProxy().getClassName()
                            + ": " + e.getThrowableProxy().getMessage()))
                    .toList();
        }
    }

    /** The WARN or ERROR lines that name the client connection on local port {@code clientPort}. */
    List<String> warningsAbout(int clientPort) {
        java.util.regex.Pattern needle = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:" + clientPort + "(?!\\d)");
        return warnings().stream().filter(line -> needle.matcher(line).find()).toList();
    }

    @Override
    public void close() {
        for (String name : LOGGERS) {
            ((Logger) LoggerFactory.getLogger(name)).detachAppender(appender);
        }
        appender.stop();
    }
}
