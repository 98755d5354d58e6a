package io.sluice.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** An in-process log-core LogManager + KafkaServer on a free port, a registry on it, and an HTTP client. */
final class RegistryFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CT = "application/vnd.schemaregistry.v1+json";

    final LogManager log;
    final KafkaServer kafka;
    SchemaRegistry registry;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RegistryFixture(Path dir) {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        kafka = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        registry = startRegistry();
    }

    String bootstrap() {
        return "127.0.0.1:" + kafka.port();
    }

    SchemaRegistry startRegistry() {
        return SchemaRegistry.start(new RegistryConfig("127.0.0.1", 0, bootstrap()));
    }

    void restartRegistry() {
        registry.close();
        registry = startRegistry();
    }

    record Resp(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("response is not JSON: " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Resp send(String method, String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registry.port() + path))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }

    Resp get(String path) {
        return send("GET", path, null, null);
    }

    Resp delete(String path) {
        return send("DELETE", path, null, null);
    }

    Resp post(String path, String body) {
        return send("POST", path, body, CT);
    }

    Resp put(String path, String body) {
        return send("PUT", path, body, CT);
    }

    /** {"schema": "<schema>"} */
    static String schemaBody(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    Resp register(String subject, String schema) {
        return post("/subjects/" + subject + "/versions", schemaBody(schema));
    }

    int registerOk(String subject, String schema) {
        Resp r = register(subject, schema);
        if (r.status() != 200) {
            throw new AssertionError("registering under " + subject + " failed: " + r);
        }
        return r.json().get("id").asInt();
    }

    void setLevel(String subject, String level) {
        Resp r = put("/config/" + subject, "{\"compatibility\":\"" + level + "\"}");
        if (r.status() != 200) {
            throw new AssertionError("setting " + level + " on " + subject + " failed: " + r);
        }
    }

    /** An Avro record schema named "Event" with the given field JSON snippets. */
    static String record(String... fields) {
        return "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"io.sluice.test\",\"fields\":["
                + String.join(",", fields) + "]}";
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.close();
        }
        kafka.close();
        log.close();
    }
}
