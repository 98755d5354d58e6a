package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice registry --bootstrap HOST:PORT}: the registry alone, against a Kafka-protocol server. */
class RegistryCommandTest {
    @TempDir
    Path tmp;

    @Test
    void registryCommandServesTheRestApiAgainstTheGivenBootstrapServers() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(tmp));
             KafkaServerCloser kafka = new KafkaServerCloser(KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log))) {
            // given
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                    new PrintWriter(err, true));
            RegistryCommand command = cl.getSubcommands().get("registry").getCommand();
            Future<Integer> exit = runner.submit(() -> cl.execute("registry", "--bootstrap",
                    "127.0.0.1:" + kafka.server().port(), "--listen", "127.0.0.1:0"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!command.awaitReady(50, TimeUnit.MILLISECONDS) && !exit.isDone() && System.nanoTime() < deadline) {
                // wait
            }
            assertThat(command.port()).as("registry port; stderr: %s", err).isPositive();

            // when
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + command.port() + "/config")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            command.stop();

            // then
            assertThat(r.statusCode()).as("GET /config: %s", r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
            assertThat(exit.get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
            assertThat(out.toString()).startsWith("schema registry listening on 127.0.0.1:");
            assertThat(log.topic("_schemas")).as("the _schemas topic").isPresent();
        } finally {
            runner.shutdownNow();
        }
    }

    record KafkaServerCloser(KafkaServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
        }
    }
}
