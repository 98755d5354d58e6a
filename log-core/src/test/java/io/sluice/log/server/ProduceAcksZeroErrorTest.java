package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** acks=0 reads no response, so a failed acks=0 produce is reported the way Kafka does: by closing. */
class ProduceAcksZeroErrorTest {
    @RegisterExtension
    final InProcessBroker broker = new InProcessBroker();
    LogManager log;
    KafkaServer server;

    @BeforeEach
    void bind() {
        log = broker.log();
        server = broker.server();
        log.createTopic("known", 1, Map.of());
    }

    static MemoryRecords oneRecord() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1000L, null, "v".getBytes()));
    }

    @Test
    void successfulAcksZeroProduceSendsNothingAndKeepsTheConnection() throws Exception {
        try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
            c.send(Requests.produce("known", 0, oneRecord(), (short) 0, Requests.latest(ApiKeys.PRODUCE)));

            ApiVersionsResponse next = c.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));

            assertThat(Errors.forCode(next.data().errorCode())).as("the next request's answer").isEqualTo(Errors.NONE);
            assertThat(log.partition("known", 0).logEndOffset()).as("records appended").isEqualTo(1);
        }
    }

    @Test
    void failedAcksZeroProduceClosesTheConnection() throws Exception {
        try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
            c.send(Requests.produce("unknown", 0, oneRecord(), (short) 0, Requests.latest(ApiKeys.PRODUCE)));

            assertThat(c.closedByServer()).as("connection closed after the failed acks=0 produce").isTrue();
        }
        try (RawKafkaConnection other = new RawKafkaConnection(server.port())) {
            ApiVersionsResponse r = other.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
            assertThat(Errors.forCode(r.data().errorCode())).as("another client afterwards").isEqualTo(Errors.NONE);
        }
    }
}
