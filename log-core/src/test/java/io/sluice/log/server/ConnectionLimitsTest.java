package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Gauge;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one client, or many, can make the server hold: request memory is bounded over all connections
 * (clients announcing large requests wait, well-behaved ones are served), a request trickled in too slowly
 * and an idle connection are closed, and connections over the total or per-address limit are refused.
 */
class ConnectionLimitsTest {
    static final int MAX_REQUEST = 256 * 1024;

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    final List<RawKafkaConnection> opened = new ArrayList<>();

    void start(ConnectionLimits limits) {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withMaxRequestBytes(MAX_REQUEST)
                .withLimits(limits), log);
    }

    @AfterEach
    void stop() throws IOException {
        for (RawKafkaConnection c : opened) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        if (log != null) {
            log.close();
        }
    }

    RawKafkaConnection connect() throws IOException {
        RawKafkaConnection c = new RawKafkaConnection(server.port());
        opened.add(c);
        return c;
    }

    @SuppressWarnings("unchecked")
    long requestMemoryUsed() {
        return ((Gauge<Long>) server.metrics().getGauges().get(KafkaServer.REQUEST_MEMORY_GAUGE)).getValue();
    }

    long meter(String name) {
        return server.metrics().meter(name).getCount();
    }

    void assertServed(RawKafkaConnection c) throws IOException {
        ApiVersionsResponse v = c.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
        assertThat(v.data().errorCode()).as("ApiVersions error").isZero();
    }

    /** The size prefix of a {@code size}-byte request and {@code sent} bytes of its body. */
    static byte[] partialFrame(int size, int sent) {
        ByteBuffer b = ByteBuffer.allocate(4 + sent);
        b.putInt(size);
        return b.array();
    }

    @Test
    void requestBytesInFlightStayWithinThePoolAndAWaitingClientIsServedOnceMemoryComesBack() throws IOException {
        start(ConnectionLimits.defaults().withQueuedMaxRequestBytes(2L * MAX_REQUEST).withRequestReceiveTimeoutMs(1_000));
        RawKafkaConnection wellBehaved = connect();
        assertServed(wellBehaved);
        // six clients each announce a request of almost the largest size and send part of it
        List<RawKafkaConnection> greedy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            RawKafkaConnection c = connect();
            c.write(partialFrame(MAX_REQUEST - 1024, 100 * 1024));
            greedy.add(c);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(requestMemoryUsed())
                .as("bytes taken: two announced requests fill the pool").isEqualTo(2L * (MAX_REQUEST - 1024)));
        // the pool is full: a small request waits (it is neither refused nor lost) until the trickling clients'
        // receive timeout gives their memory back, two by two
        assertServed(wellBehaved);
        for (RawKafkaConnection c : greedy) {
            assertThat(c.closedByServer()).as("a client that never finished its request").isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(requestMemoryUsed()).as("after the clients went away").isZero());
        assertServed(connect());
    }

    @Test
    void connectionsOverTheTotalLimitAreRefused() throws IOException {
        start(ConnectionLimits.defaults().withMaxConnections(2, 10));
        RawKafkaConnection first = connect();
        RawKafkaConnection second = connect();
        assertServed(first);
        assertServed(second);
        assertThat(connect().closedByServer()).as("a third connection (limit 2 in all)").isTrue();
        assertThat(meter("sluice.server.connections-refused")).isEqualTo(1);
        assertServed(first);
    }

    @Test
    void aRequestTrickledInSlowerThanTheReceiveTimeoutClosesItsConnectionAndFreesItsMemory() throws IOException {
        start(ConnectionLimits.defaults().withRequestReceiveTimeoutMs(500));
        try (LogCapture logs = new LogCapture()) {
            RawKafkaConnection slow = connect();
            slow.write(partialFrame(10_000, 10));
            assertThat(slow.closedByServer()).as("closed by the server").isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(requestMemoryUsed()).isZero());
            assertThat(logs.warningsAbout(slow.localPort())).singleElement().asString()
                    .contains("did not arrive within 500 ms");
        }
        assertServed(connect());
    }

    @Test
    void anIdleConnectionIsClosed() throws IOException {
        start(ConnectionLimits.defaults().withConnectionsMaxIdleMs(300));
        RawKafkaConnection idle = connect();
        assertServed(idle);
        assertThat(idle.closedByServer()).as("closed after connections.max.idle.ms").isTrue();
        assertThat(meter("sluice.server.idle-connections-closed")).isEqualTo(1);
    }

    @Test
    void connectionsOverTheTotalOrPerAddressLimitAreRefused() throws IOException {
        start(ConnectionLimits.defaults().withMaxConnections(3, 2));
        RawKafkaConnection first = connect();
        RawKafkaConnection second = connect();
        assertServed(first);
        assertServed(second);
        RawKafkaConnection third = connect();
        assertThat(third.closedByServer()).as("a third connection from 127.0.0.1 (limit 2 per address)").isTrue();
        assertThat(meter("sluice.server.connections-refused")).isEqualTo(1);
        assertThat(server.metrics().counter("sluice.server.connections").getCount()).as("active connections").isEqualTo(2);
        first.close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(server.metrics().counter("sluice.server.connections").getCount()).isEqualTo(1));
        assertServed(connect());
        assertServed(second);
    }
}
