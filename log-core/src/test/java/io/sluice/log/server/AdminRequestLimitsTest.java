package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.internals.FileDescriptors;
import io.sluice.log.internals.FileIO;
import io.sluice.log.testing.DelegatingFileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One administrative request cannot take the server: a partition count near its maximum is refused
 * before anything is created (Kafka's bound per request), a creation that would use up the process's
 * file descriptors is refused before it opens a file, a creation that fails part way closes and removes
 * everything it made, and creation runs off the network thread, so other clients are served meanwhile.
 */
class AdminRequestLimitsTest {
    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;

    void start(LogManagerConfig config) {
        log = LogManager.open(config);
        // one event loop: a creation running on it would stall every other connection
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withIoThreads(1), log);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (log != null) {
            log.close();
        }
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    List<String> partitionDirs(String topic) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(topic + "-")).sorted().toList();
        }
    }

    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static CreatableTopic topic(String name, int partitions) {
        return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1);
    }

    @Test
    void aCreateTopicsAskingForMorePartitionsThanKafkasBoundCreatesNothing() throws IOException {
        start(LogManagerConfig.defaults(dir));
        try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
            CreateTopicsRequestData huge = new CreateTopicsRequestData().setTimeoutMs(30_000);
            huge.topics().add(topic("huge", Integer.MAX_VALUE));
            huge.topics().add(topic("small", 1));
            CreateTopicsResponse r = c.roundTrip(new CreateTopicsRequest.Builder(huge).build(Requests.latest(ApiKeys.CREATE_TOPICS)));
            assertThat(r.data().topics()).as("one result per topic").hasSize(2).allSatisfy(t -> {
                assertThat(Errors.forCode(t.errorCode())).as("error of " + t.name()).isEqualTo(Errors.POLICY_VIOLATION);
                assertThat(t.errorMessage()).isEqualTo("Excessively large number of partitions per request.");
            });

            // the bound is on the request's sum, as Kafka counts it
            CreateTopicsRequestData split = new CreateTopicsRequestData().setTimeoutMs(30_000);
            split.topics().add(topic("half-a", 5_000));
            split.topics().add(topic("half-b", 5_001));
            CreateTopicsResponse s = c.roundTrip(new CreateTopicsRequest.Builder(split).build(Requests.latest(ApiKeys.CREATE_TOPICS)));
            assertThat(s.data().topics()).allSatisfy(t ->
                    assertThat(Errors.forCode(t.errorCode())).as("error of " + t.name()).isEqualTo(Errors.POLICY_VIOLATION));
        }
        assertThat(log.topics()).as("topics after the refused requests").isEmpty();
        assertThat(partitionDirs("huge")).isEmpty();
        assertThat(partitionDirs("small")).isEmpty();
        assertThat(partitionDirs("half")).isEmpty();
    }

    @Test
    void aCreatePartitionsAskingForMoreThanTheBoundAddsNothing() throws IOException {
        start(LogManagerConfig.defaults(dir));
        log.createTopic("t", 1, Map.of());
        try (RawKafkaConnection c = new RawKafkaConnection(server.port())) {
            CreatePartitionsRequestData data = new CreatePartitionsRequestData().setTimeoutMs(30_000);
            data.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t")
                    .setCount(Integer.MAX_VALUE).setAssignments(null));
            CreatePartitionsResponse r = c.roundTrip(new CreatePartitionsRequest.Builder(data)
                    .build(Requests.latest(ApiKeys.CREATE_PARTITIONS)));
            assertThat(Errors.forCode(r.data().results().get(0).errorCode())).isEqualTo(Errors.POLICY_VIOLATION);
        }
        assertThat(log.topic("t").orElseThrow().partitions()).isEqualTo(1);
        assertThat(partitionDirs("t")).containsExactly("t-0");
    }

    @Test
    void aCreationThatWouldUseUpTheFileDescriptorsIsRefusedBeforeOpeningAFile() throws Exception {
        // a process with room for 300 more descriptors above what the log keeps in reserve (1024)
        long openAtStart = openDescriptors();
        FileDescriptors small = new FileDescriptors() {
            @Override
            public OptionalLong open() {
                try {
                    return OptionalLong.of(openDescriptors());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public OptionalLong max() {
                return OptionalLong.of(openAtStart + 1024 + 300);
            }
        };
        start(LogManagerConfig.defaults(dir).withFileDescriptors(small));
        try (Admin admin = admin()) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("wide", 500, (short) 1))).all().get())
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining("would open 1500 files").hasMessageContaining("ulimit -n");
            assertThat(partitionDirs("wide")).as("directories of the refused topic").isEmpty();
            admin.createTopics(List.of(new NewTopic("narrow", 10, (short) 1))).all().get();
            assertThat(log.topic("narrow").orElseThrow().partitions()).isEqualTo(10);
            assertThatThrownBy(() -> admin.createPartitions(Map.of("narrow", NewPartitions.increaseTo(510))).all().get())
                    .cause().isInstanceOf(PolicyViolationException.class).hasMessageContaining("ulimit -n");
            assertThat(partitionDirs("narrow")).hasSize(10);
        }
    }

    @Test
    void aCreationThatFailsPartWayClosesAndRemovesEverythingItMade() throws Exception {
        FileIO failing = new DelegatingFileIO(FileIO.real()) {
            @Override
            public void createDirectories(Path d) throws IOException {
                if (d.getFileName().toString().equals("broken-150")) {
                    throw new IOException("No space left on device");
                }
                super.createDirectories(d);
            }
        };
        start(LogManagerConfig.defaults(dir).withFileIO(failing));
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("warm", 1, (short) 1))).all().get(); // the client's own sockets
            long before = openDescriptors();
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("broken", 300, (short) 1))).all().get())
                    .cause().isInstanceOf(KafkaStorageException.class).hasMessageContaining("broken-150")
                    .hasMessageContaining("No space left on device");
            assertThat(partitionDirs("broken")).as("directories left by the failed creation").isEmpty();
            assertThat(openDescriptors() - before).as("descriptors the failed creation left open (150 partitions opened"
                    + " 450 files)").isLessThan(30);
            assertThat(log.topic("broken")).isEmpty();
            admin.createTopics(List.of(new NewTopic("after", 20, (short) 1))).all().get();
            assertThat(partitionDirs("after")).hasSize(20);
        }
        server.close();
        server = null;
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        assertThat(partitionDirs("broken")).as("after a restart").isEmpty();
        assertThat(log.topic("after").orElseThrow().partitions()).isEqualTo(20);
    }

    @Test
    void otherConnectionsAreServedWhileACreationRunsAndLaterRequestsOfItsConnectionSeeTheTopic() throws Exception {
        CountDownLatch creating = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FileIO slow = new DelegatingFileIO(FileIO.real()) {
            @Override
            public void createDirectories(Path d) throws IOException {
                if (d.getFileName().toString().equals("slow-3")) {
                    creating.countDown();
                    try {
                        if (!release.await(30, TimeUnit.SECONDS)) {
                            throw new IOException("the test never released the creation");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                super.createDirectories(d);
            }
        };
        start(LogManagerConfig.defaults(dir).withFileIO(slow));
        try (RawKafkaConnection creator = new RawKafkaConnection(server.port());
             RawKafkaConnection other = new RawKafkaConnection(server.port())) {
            // a CreateTopics and a Metadata for the same topic, pipelined in one write
            CreateTopicsRequestData create = new CreateTopicsRequestData().setTimeoutMs(30_000);
            create.topics().add(topic("slow", 8));
            CreateTopicsRequest createRequest = new CreateTopicsRequest.Builder(create).build(Requests.latest(ApiKeys.CREATE_TOPICS));
            MetadataRequest metadataRequest = new MetadataRequest(new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName("slow"))).setAllowAutoTopicCreation(false),
                    Requests.latest(ApiKeys.METADATA));
            RequestHeader createHeader = creator.header(createRequest);
            RequestHeader metadataHeader = creator.header(metadataRequest);
            creator.write(MalformedInputTest.concat(RawKafkaConnection.frame(createHeader, createRequest),
                    RawKafkaConnection.frame(metadataHeader, metadataRequest)));
            assertThat(creating.await(30, TimeUnit.SECONDS)).as("the creation reached partition 3").isTrue();

            // the only event loop is free: another client is answered while the creation waits
            ApiVersionsResponse versions = other.roundTrip(Requests.apiVersions(Requests.latest(ApiKeys.API_VERSIONS)));
            assertThat(versions.data().errorCode()).isZero();
            MetadataResponse meanwhile = other.roundTrip(new MetadataRequest(new MetadataRequestData().setTopics(null),
                    Requests.latest(ApiKeys.METADATA)));
            assertThat(meanwhile.data().topics()).as("topics while the creation runs").isEmpty();

            release.countDown();
            CreateTopicsResponse created = creator.receive(createHeader);
            assertThat(Errors.forCode(created.data().topics().iterator().next().errorCode())).isEqualTo(Errors.NONE);
            MetadataResponse after = creator.receive(metadataHeader);
            var t = after.data().topics().find("slow");
            assertThat(t).as("the topic in the Metadata answer pipelined behind its creation").isNotNull();
            assertThat(Errors.forCode(t.errorCode())).isEqualTo(Errors.NONE);
            assertThat(t.partitions()).hasSize(8);
        } finally {
            release.countDown();
        }
    }
}
