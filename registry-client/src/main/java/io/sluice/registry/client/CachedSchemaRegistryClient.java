package io.sluice.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} over HTTP ({@link HttpClient}) for Confluent's Schema Registry REST API, with
 * caches: a schema is fetched by id once, and a (subject, schema) pair is registered or looked up once, for the life
 * of the client. {@link #getLatest} is not cached (the latest version changes).
 *
 * <p>Connection failures (no response at all) are retried up to {@code maxRetries} times with a short back-off,
 * trying the next base URL each time when several are configured; an HTTP error response is not retried.
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(CachedSchemaRegistryClient.class);
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record SubjectSchema(String subject, Schema schema) {}

    private final List<URI> baseUrls;
    private final HttpClient http;
    private final int maxRetries;
    private final Duration timeout;
    private final Duration backoff;
    /** Completed, or in flight: concurrent callers for one key wait for the one HTTP call. */
    private final Map<Integer, CompletableFuture<Schema>> schemaById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, CompletableFuture<Integer>> idBySubjectSchema = new ConcurrentHashMap<>();

    /** {@code urls}: one base URL, or several separated by commas (as in {@code schema.registry.url}). */
    public CachedSchemaRegistryClient(String urls) {
        this(parseUrls(urls), DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Duration.ofMillis(100));
    }

    public CachedSchemaRegistryClient(List<URI> baseUrls, int maxRetries, Duration timeout, Duration backoff) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is required");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
        this.baseUrls = List.copyOf(baseUrls);
        this.maxRetries = maxRetries;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    static List<URI> parseUrls(String urls) {
        List<URI> out = new ArrayList<>();
        for (String u : Objects.requireNonNull(urls, "schema registry url").split(",")) {
            String t = u.trim();
            if (t.isEmpty()) {
                continue;
            }
            while (t.endsWith("/")) {
                t = t.substring(0, t.length() - 1);
            }
            URI uri = URI.create(t);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("schema registry url must be http(s)://host:port, was '" + u + "'");
            }
            out.add(uri);
        }
        return out;
    }

    @Override
    public int register(String subject, Schema schema) {
        return once(idBySubjectSchema, new SubjectSchema(subject, schema), () -> {
            JsonNode body = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
            int id = requiredInt(body, "id");
            schemaById.putIfAbsent(id, CompletableFuture.completedFuture(schema));
            return id;
        });
    }

    @Override
    public Schema getById(int id) {
        return once(schemaById, id, () -> parse(requiredText(send("GET", "/schemas/ids/" + id, null), "schema"), "schema id " + id));
    }

    @Override
    public RegisteredSchema getLatest(String subject) {
        JsonNode body = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        int id = requiredInt(body, "id");
        Schema schema = once(schemaById, id, () -> parse(requiredText(body, "schema"), "schema id " + id));
        return new RegisteredSchema(subject, id, requiredInt(body, "version"), schema);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return once(idBySubjectSchema, new SubjectSchema(subject, schema), () -> {
            JsonNode body = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
            int id = requiredInt(body, "id");
            schemaById.putIfAbsent(id, CompletableFuture.completedFuture(schema));
            return id;
        });
    }

    /**
     * The cached value of {@code key}, or the result of {@code call}, made once however many threads ask at the same
     * time. A failed call is not cached: the next caller tries again.
     */
    private static <K, V> V once(Map<K, CompletableFuture<V>> cache, K key, Supplier<V> call) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> existing = cache.putIfAbsent(key, mine);
        if (existing == null) {
            try {
                V value = call.get();
                mine.complete(value);
                return value;
            } catch (RuntimeException | Error e) {
                cache.remove(key, mine);
                mine.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return existing.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body) {
        IOException last = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            URI base = baseUrls.get(attempt % baseUrls.size());
            URI uri = URI.create(base + path);
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", CONTENT_TYPE);
            if (body != null) {
                req.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            } else {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response;
            try {
                response = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = e;
                LOG.debug("schema registry {} {} failed (attempt {} of {}): {}", method, uri, attempt + 1, maxRetries + 1, e.toString());
                sleepBeforeRetry(attempt);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_RESPONSE,
                        "interrupted during " + method + " " + uri, e);
            }
            return handle(method, uri, response);
        }
        throw new SchemaRegistryException(SchemaRegistryException.NO_RESPONSE, SchemaRegistryException.NO_RESPONSE,
                "schema registry " + baseUrls + " unreachable for " + method + " " + path + " after " + (maxRetries + 1) + " attempts: " + last, last);
    }

    private void sleepBeforeRetry(int attempt) {
        if (attempt >= maxRetries || backoff.isZero()) {
            return;
        }
        try {
            Thread.sleep(backoff.toMillis() * (attempt + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode handle(String method, URI uri, HttpResponse<String> response) {
        int status = response.statusCode();
        JsonNode json = null;
        try {
            json = response.body() == null || response.body().isEmpty() ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            if (status / 100 == 2) {
                throw new SchemaRegistryException(status, SchemaRegistryException.NO_RESPONSE,
                        method + " " + uri + " returned a body that is not JSON: " + abbreviate(response.body()), e);
            }
        }
        if (status / 100 == 2) {
            if (json == null || !json.isObject()) {
                throw new SchemaRegistryException(status, SchemaRegistryException.NO_RESPONSE,
                        method + " " + uri + " returned no JSON object: " + abbreviate(response.body()));
            }
            return json;
        }
        int errorCode = json != null && json.path("error_code").canConvertToInt() ? json.path("error_code").asInt() : SchemaRegistryException.NO_RESPONSE;
        String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : abbreviate(response.body());
        throw new SchemaRegistryException(status, errorCode, method + " " + uri + " failed: " + message);
    }

    private static int requiredInt(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_RESPONSE, "registry response has no integer '" + field + "': " + body);
        }
        return n.asInt();
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_RESPONSE, "registry response has no string '" + field + "': " + body);
        }
        return n.asText();
    }

    private static Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) { // SchemaParseException, or (Avro 1.12) a NullPointerException for an unknown type name
            throw new SchemaRegistryException(200, SchemaRegistryException.NO_RESPONSE, "registry returned an unparseable " + what + ": " + e, e);
        }
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
