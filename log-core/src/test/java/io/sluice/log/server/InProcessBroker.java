package io.sluice.log.server;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A log-core LogManager in a fresh temporary directory with a Kafka-protocol server in front of it on a free
 * 127.0.0.1 port, started before each test and stopped (then deleted) after it:
 * <pre>
 *   &#64;RegisterExtension
 *   final InProcessBroker broker = new InProcessBroker();
 * </pre>
 */
final class InProcessBroker implements BeforeEachCallback, AfterEachCallback {
    private Path dir;
    private LogManager log;
    private KafkaServer server;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("sluice-broker");
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            server.close();
            log.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    LogManager log() {
        return log;
    }

    KafkaServer server() {
        return server;
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }
}
