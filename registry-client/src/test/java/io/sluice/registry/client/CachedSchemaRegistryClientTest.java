package io.sluice.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against a real (tiny, in-test) HTTP server that serves the Confluent REST shapes. */
class CachedSchemaRegistryClientTest {
    static final Schema ORDER = AvroSerdeRoundTripTest.ORDER_V1;
    static final Schema ORDER_V2 = AvroSerdeRoundTripTest.ORDER_V2;

    final FakeRegistryServer server;
    final CachedSchemaRegistryClient client;

    CachedSchemaRegistryClientTest() throws IOException {
        server = new FakeRegistryServer();
        client = new CachedSchemaRegistryClient(server.url());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void registerReturnsTheRegistryIdAndSendsTheRegistryContentType() {
        int id = client.register("orders-value", ORDER);

        assertThat(id).isEqualTo(server.registry.lookup("orders-value", ORDER));
        assertThat(server.requests).containsExactly("POST /subjects/orders-value/versions");
        assertThat(server.contentTypes).containsOnly(CachedSchemaRegistryClient.CONTENT_TYPE);
    }

    @Test
    void eachSchemaCostsOneHttpCallHoweverOftenItIsUsed() {
        // given: a serializer and a deserializer over one caching client
        AvroSerializer serializer = new AvroSerializer(client);
        serializer.configure(Map.of(), false);
        AvroDeserializer deserializer = new AvroDeserializer(new CachedSchemaRegistryClient(server.url()));
        deserializer.configure(Map.of(), false);
        // when: 50 records of one schema are written and read
        for (int i = 0; i < 50; i++) {
            GenericRecord r = new GenericData.Record(ORDER);
            r.put("id", (long) i);
            r.put("item", "item-" + i);
            GenericRecord back = (GenericRecord) deserializer.deserialize("orders", serializer.serialize("orders", r));
            assertThat(back.get("id")).isEqualTo((long) i);
        }
        // then
        int id = server.registry.lookup("orders-value", ORDER);
        assertThat(server.count("POST /subjects/orders-value/versions")).as("registrations of Order").isEqualTo(1);
        assertThat(server.count("GET /schemas/ids/" + id)).as("fetches of schema id %d", id).isEqualTo(1);
        assertThat(server.requests).as("all requests").hasSize(2);
    }

    @Test
    void schemaFetchedByIdIsCachedAndRegisteredSchemaNeedsNoFetch() {
        int id = server.registry.register("orders-value", ORDER);

        assertThat(client.getById(id)).isEqualTo(ORDER);
        assertThat(client.getById(id)).isEqualTo(ORDER);
        int id2 = client.register("orders-value", ORDER_V2);
        assertThat(client.getById(id2)).isEqualTo(ORDER_V2);

        assertThat(server.requests).containsExactly("GET /schemas/ids/" + id, "POST /subjects/orders-value/versions");
    }

    @Test
    void threadsAskingForOneSchemaAtOnceShareOneHttpCall() throws Exception {
        // given
        int id = server.registry.register("orders-value", ORDER);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Schema>> fetched = new ArrayList<>();
            List<Future<Integer>> registered = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                fetched.add(pool.submit(() -> { go.await(); return client.getById(id); }));
                registered.add(pool.submit(() -> { go.await(); return client.register("orders-value", ORDER_V2); }));
            }
            // when
            go.countDown();
            // then
            for (int i = 0; i < threads; i++) {
                assertThat(fetched.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(ORDER);
                assertThat(registered.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(server.registry.lookup("orders-value", ORDER_V2));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.count("GET /schemas/ids/" + id)).as("fetches of schema id %d by %d threads", id, threads).isEqualTo(1);
        assertThat(server.count("POST /subjects/orders-value/versions")).as("registrations of Order v2 by %d threads", threads).isEqualTo(1);
    }

    @Test
    void aFailedCallIsNotCached() {
        catchThrowableOfType(SchemaRegistryException.class, () -> client.lookup("orders-value", ORDER));
        int id = server.registry.register("orders-value", ORDER);

        assertThat(client.lookup("orders-value", ORDER)).isEqualTo(id);
        assertThat(server.count("POST /subjects/orders-value")).isEqualTo(2);
    }

    @Test
    void lookupReturnsTheIdAndIsCachedPerSubjectAndSchema() {
        int id = server.registry.register("orders-value", ORDER);

        assertThat(client.lookup("orders-value", ORDER)).isEqualTo(id);
        assertThat(client.lookup("orders-value", ORDER)).isEqualTo(id);

        assertThat(server.requests).containsExactly("POST /subjects/orders-value");
    }

    @Test
    void getLatestReturnsIdVersionAndSchemaAndIsNotCached() {
        server.registry.register("orders-value", ORDER);
        int id2 = server.registry.register("orders-value", ORDER_V2);

        RegisteredSchema latest = client.getLatest("orders-value");
        client.getLatest("orders-value");

        assertThat(latest).isEqualTo(new RegisteredSchema("orders-value", id2, 2, ORDER_V2));
        assertThat(server.count("GET /subjects/orders-value/versions/latest")).isEqualTo(2);
    }

    @Test
    void subjectWithCharactersThatNeedEncodingIsSentEncoded() {
        int id = client.register("my topic/ü-value", ORDER);

        assertThat(server.registry.lookup("my topic/ü-value", ORDER)).isEqualTo(id);
        assertThat(server.requests).containsExactly("POST /subjects/my topic/ü-value/versions");
    }

    @Test
    void unknownIdRaisesTheRegistryStatusAndErrorCode() {
        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(999));

        assertThat(e).as("error for unknown id 999").isNotNull();
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.errorCode()).isEqualTo(40403);
        assertThat(e.isSchemaNotFound()).isTrue();
        assertThat(e).hasMessageContaining("/schemas/ids/999");
    }

    @Test
    void lookupOfAnUnknownSubjectAndOfAnUnregisteredSchemaAreTold() {
        SchemaRegistryException noSubject = catchThrowableOfType(SchemaRegistryException.class, () -> client.lookup("nope-value", ORDER));
        server.registry.register("orders-value", ORDER);
        SchemaRegistryException noSchema = catchThrowableOfType(SchemaRegistryException.class, () -> client.lookup("orders-value", ORDER_V2));

        assertThat(noSubject.errorCode()).as("error_code for an unknown subject").isEqualTo(40401);
        assertThat(noSubject.isSubjectNotFound()).isTrue();
        assertThat(noSchema.errorCode()).as("error_code for a schema not in the subject").isEqualTo(40403);
    }

    @Test
    void deserializerOverHttpTurnsAnUnknownIdIntoUnknownSchemaIdException() {
        AvroDeserializer d = new AvroDeserializer(client);

        UnknownSchemaIdException e = catchThrowableOfType(UnknownSchemaIdException.class,
                () -> d.deserialize("orders", new byte[] {0, 0, 0, 0, 42, 2}));

        assertThat(e).isNotNull();
        assertThat(e.schemaId()).isEqualTo(42);
    }

    @Test
    void connectionFailuresAreRetriedABoundedNumberOfTimesThenReported() throws IOException {
        // given: a port with nothing listening
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        CachedSchemaRegistryClient dead = new CachedSchemaRegistryClient(
                List.of(URI.create("http://127.0.0.1:" + deadPort)), 2, Duration.ofSeconds(5), Duration.ZERO);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> dead.getById(1));

        assertThat(e).as("error for an unreachable registry").isNotNull();
        assertThat(e.status()).isEqualTo(SchemaRegistryException.NO_RESPONSE);
        assertThat(e).hasMessageContaining("after 3 attempts").hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aFailedUrlIsFollowedByTheNextConfiguredUrl() throws IOException {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        int id = server.registry.register("orders-value", ORDER);
        CachedSchemaRegistryClient twoUrls = new CachedSchemaRegistryClient("http://127.0.0.1:" + deadPort + "/, " + server.url());

        assertThat(twoUrls.getById(id)).isEqualTo(ORDER);
        assertThat(server.requests).containsExactly("GET /schemas/ids/" + id);
    }

    @Test
    void httpErrorResponsesAreNotRetried() {
        catchThrowableOfType(SchemaRegistryException.class, () -> client.getLatest("missing-value"));

        assertThat(server.count("GET /subjects/missing-value/versions/latest")).isEqualTo(1);
    }

    @Test
    void serdesConfiguredWithTheRegistryUrlTalkToThatRegistry() {
        AvroSerializer serializer = new AvroSerializer();
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), true);
        AvroDeserializer deserializer = new AvroDeserializer();
        deserializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), true);
        GenericRecord r = new GenericData.Record(ORDER);
        r.put("id", 9L);
        r.put("item", "lamp");

        GenericRecord back = (GenericRecord) deserializer.deserialize("orders", serializer.serialize("orders", r));

        assertThat(back.get("item").toString()).isEqualTo("lamp");
        int id = server.registry.lookup("orders-key", ORDER);
        assertThat(server.requests).containsExactly("POST /subjects/orders-key/versions", "GET /schemas/ids/" + id);
    }

    @Test
    void serdeWithoutRegistryUrlOrClientIsAConfigError() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> new AvroSerializer().configure(Map.of(), false));
        assertThat(e).isNotNull().hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
    }

    @Test
    void registryUrlMustBeHttp() {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class, () -> new CachedSchemaRegistryClient("localhost:8081"));
        assertThat(e).isNotNull().hasMessageContaining("localhost:8081");
    }
}
