package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request log-core serves, with each field that may be null set to null, is answered as Apache
 * Kafka 3.9.1 answered the same bytes (recorded by {@link NullFieldProbe} against a real broker), and
 * none of them logs a stack trace or a warning: a client's malformed request is the client's problem.
 */
class NullFieldsTest {
    static final String KAFKA_ANSWERS = "/null-fields-kafka-3.9.1.tsv";

    /**
     * Where Kafka 3.9.1's answer is a failure of its own, Sluice answers on purpose otherwise (variant id
     * pattern, Sluice's answer): a Produce with null records makes Kafka throw a NullPointerException while
     * logging the request and never answer (the client times out); a v12 Metadata topic with neither a name
     * nor an id makes it answer UNKNOWN_SERVER_ERROR from another NullPointerException.
     */
    static final Map<Pattern, String> DELIBERATE = Map.of(
            Pattern.compile("Produce v\\d+ topic_data\\.partition_data\\.records"), "INVALID_RECORD",
            Pattern.compile("Metadata v12 topics\\.name"), "INVALID_REQUEST");

    static String expected(String id, String kafka) {
        return DELIBERATE.entrySet().stream().filter(e -> e.getKey().matcher(id).matches()).map(Map.Entry::getValue)
                .findFirst().orElse(kafka);
    }

    @TempDir
    Path dir;

    static Map<String, String> kafkaAnswers() throws IOException {
        Map<String, String> answers = new LinkedHashMap<>();
        try (InputStream in = NullFieldsTest.class.getResourceAsStream(KAFKA_ANSWERS)) {
            assertThat(in).as(KAFKA_ANSWERS + " on the test class path").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] parts = line.split("\t", 2);
                    answers.put(parts[0], parts[1]);
                }
            }
        }
        return answers;
    }

    @Test
    void everyNullableFieldSetToNullIsAnsweredAsKafkaAnswersItWithoutAStackTrace() throws Exception {
        Map<String, String> kafka = kafkaAnswers();
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
             LogCapture logs = new LogCapture()) {
            // the probe covers exactly what the server serves
            try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
                ApiVersionsResponse versions = c.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
                Set<ApiKeys> served = versions.data().apiKeys().stream().map(k -> ApiKeys.forId(k.apiKey()))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(served).as("APIs the server advertises").containsExactlyInAnyOrderElementsOf(NullFieldProbe.APIS);
            }
            Map<String, String> ours = NullFieldProbe.probe("127.0.0.1:" + server.port());
            assertThat(ours.keySet()).as("variants (the recorded file is of the same kafka-clients version)")
                    .containsExactlyElementsOf(kafka.keySet());
            Map<String, String> different = new LinkedHashMap<>();
            ours.forEach((id, answer) -> {
                if (!answer.equals(expected(id, kafka.get(id)))) {
                    different.put(id, "log-core " + answer + ", Kafka " + kafka.get(id));
                }
            });
            assertThat(different).as("answers that differ from Apache Kafka 3.9.1's (beyond the deliberate ones)").isEmpty();
            assertThat(logs.warnings()).as("warnings logged while answering").isEmpty();
        }
    }
}
