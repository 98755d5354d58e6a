package io.sluice.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * A tiny HTTP server in the test that serves the Confluent REST shapes the client uses, backed by an
 * {@link InMemorySchemaRegistryClient}, and records every request ("METHOD path") and its content type.
 */
final class FakeRegistryServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(-?\\d+)");

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long count(String request) {
        return requests.stream().filter(request::equals).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        requests.add(method + " " + URLDecoder.decode(path, StandardCharsets.UTF_8));
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        if (ct != null) {
            contentTypes.add(ct);
        }
        try {
            Matcher m;
            if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
                int id = registry.register(subject(m), schemaOf(ex));
                reply(ex, 200, JSON.createObjectNode().put("id", id));
            } else if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
                reply(ex, 200, shape(registry.getLatest(subject(m))));
            } else if (method.equals("POST") && (m = LOOKUP.matcher(path)).matches()) {
                reply(ex, 200, shape(registry.lookupVersion(subject(m), schemaOf(ex))));
            } else if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
                reply(ex, 200, JSON.createObjectNode().put("schema", registry.getById(Integer.parseInt(m.group(1))).toString()));
            } else {
                reply(ex, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (SchemaRegistryException e) {
            reply(ex, e.status(), error(e.errorCode(), e.getMessage()));
        } catch (RuntimeException e) {
            reply(ex, 500, error(50001, e.toString()));
        }
    }

    private static String subject(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private static Schema schemaOf(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        return new Schema.Parser().parse(body.get("schema").asText());
    }

    private static ObjectNode shape(RegisteredSchema s) {
        return JSON.createObjectNode().put("subject", s.subject()).put("id", s.id()).put("version", s.version()).put("schema", s.schema().toString());
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", CachedSchemaRegistryClient.CONTENT_TYPE);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
