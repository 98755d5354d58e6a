package io.sluice.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent-compatible REST API. Requests are handled on a worker pool (not the I/O event loop) because
 * store writes wait for Kafka; the requests of one connection run one after the other, so responses keep the
 * request order.
 */
@ChannelHandler.Sharable
final class RestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final AttributeKey<CompletableFuture<Void>> LAST = AttributeKey.valueOf("sluice.registry.last");
    private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Set<String> ACCEPTED = Set.of("application/vnd.schemaregistry.v1+json",
            "application/vnd.schemaregistry+json", "application/json", "application/octet-stream");

    private final SchemaStore store;
    private final Executor workers;

    RestHandler(SchemaStore store, Executor workers) {
        this.store = store;
        this.workers = workers;
    }

    /** A response: status and JSON body. */
    record Reply(int status, String body) {
        static Reply ok(Object json) {
            try {
                return new Reply(200, JSON.writeValueAsString(json));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static Reply error(int status, int code, String message) {
            ObjectNode n = JSON.createObjectNode();
            n.put("error_code", code);
            n.put("message", message);
            return new Reply(status, n.toString());
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        FullHttpRequest req = msg.retain();
        var last = ctx.channel().attr(LAST);
        CompletableFuture<Void> previous = last.get() == null ? CompletableFuture.completedFuture(null) : last.get();
        CompletableFuture<Void> next;
        try {
            next = previous.thenRunAsync(() -> {
                try {
                    handle(ctx, req);
                } finally {
                    req.release();
                }
            }, workers).exceptionally(t -> {
                // handle() answers every RuntimeException; anything else (an Error) must not leave the client waiting.
                LOG.error("registry request {} {} failed without an answer; closing the connection", req.method(),
                        req.uri(), t);
                ctx.close();
                return null;
            });
        } catch (RejectedExecutionException e) { // closing
            req.release();
            ctx.close();
            return;
        }
        last.set(next);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        Reply reply;
        boolean close = false;
        try {
            if (req.decoderResult().isFailure()) {
                // The request line or headers were too long or malformed: what follows on the connection cannot
                // be trusted to be a request, so answer and close.
                reply = badRequest(req.decoderResult().cause());
                close = true;
            } else {
                reply = route(req);
            }
        } catch (RegistryException e) {
            reply = Reply.error(e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("registry request {} {} failed", req.method(), req.uri(), e);
            reply = Reply.error(500, 50001, "Error in the backend data store: " + e);
        }
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        boolean keepAlive = !close && HttpUtil.isKeepAlive(req);
        if (keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(resp);
        } else {
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("registry connection error", cause);
        ctx.close();
    }

    /** 431 for headers over the codec's limit, 414 for a request line over it, 400 for anything else. */
    static Reply badRequest(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return Reply.error(431, 431, "HTTP 431 Request Header Fields Too Large: the headers exceed "
                    + SchemaRegistry.MAX_HEADER_BYTES + " bytes");
        }
        if (cause instanceof TooLongHttpLineException) {
            return Reply.error(414, 414, "HTTP 414 URI Too Long: the request line exceeds "
                    + SchemaRegistry.MAX_INITIAL_LINE_BYTES + " bytes");
        }
        return Reply.error(400, 400, "HTTP 400 Bad Request: " + (cause == null ? "malformed request" : cause.getMessage()));
    }

    private Reply route(FullHttpRequest req) {
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        List<String> p = new ArrayList<>();
        try {
            for (String s : qs.rawPath().split("/")) {
                if (!s.isEmpty()) {
                    p.add(QueryStringDecoder.decodeComponent(s));
                }
            }
            qs.parameters(); // decodes the query now, so that a bad escape there is refused here too
        } catch (IllegalArgumentException e) {
            return Reply.error(400, 400, "HTTP 400 Bad Request: malformed percent-encoding in " + req.uri()
                    + " (" + e.getMessage() + ")");
        }
        HttpMethod m = req.method();
        boolean get = m.equals(HttpMethod.GET);
        boolean post = m.equals(HttpMethod.POST);
        boolean put = m.equals(HttpMethod.PUT);
        boolean delete = m.equals(HttpMethod.DELETE);
        if (post || put) {
            String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (ct != null && !ACCEPTED.contains(ct.split(";")[0].trim().toLowerCase(Locale.ROOT))) {
                return Reply.error(415, 415, "HTTP 415 Unsupported Media Type: " + ct);
            }
        }
        int n = p.size();
        String first = n > 0 ? p.get(0) : "";
        if (n == 0 && get) {
            return Reply.ok(JSON.createObjectNode());
        }
        if (first.equals("subjects")) {
            if (n == 1 && get) {
                return Reply.ok(store.subjects());
            }
            String subject = n > 1 ? p.get(1) : null;
            if (n == 2 && post) {
                SchemaStore.SchemaEntry e = store.lookup(subject, schemaOf(req));
                return Reply.ok(entryJson(e));
            }
            if (n == 2 && delete) {
                return Reply.ok(store.deleteSubject(subject));
            }
            if (n == 3 && p.get(2).equals("versions")) {
                if (get) {
                    return Reply.ok(store.versions(subject));
                }
                if (post) {
                    int id = store.register(subject, schemaOf(req));
                    ObjectNode o = JSON.createObjectNode();
                    o.put("id", id);
                    return Reply.ok(o);
                }
            }
            if (n == 4 && p.get(2).equals("versions")) {
                int v = version(p.get(3));
                if (get) {
                    return Reply.ok(entryJson(store.version(subject, v)));
                }
                if (delete) {
                    return Reply.ok(store.deleteVersion(subject, v));
                }
            }
            if (n == 5 && p.get(2).equals("versions") && p.get(4).equals("schema") && get) {
                return new Reply(200, store.version(subject, version(p.get(3))).schema());
            }
        } else if (first.equals("schemas")) {
            if (n == 1 && get) {
                // not a listing of every schema; the types call below is what clients make
                return Reply.error(404, 404, "HTTP 404 Not Found");
            }
            if (n == 2 && p.get(1).equals("types") && get) {
                return Reply.ok(List.of("AVRO"));
            }
            if ((n == 3 || n == 4 && p.get(3).equals("schema")) && p.get(1).equals("ids") && get) {
                int id;
                try {
                    id = Integer.parseInt(p.get(2));
                } catch (NumberFormatException e) {
                    throw new RegistryException(RegistryException.SCHEMA_NOT_FOUND, "Schema " + p.get(2) + " not found");
                }
                String schema = store.schemaById(id);
                if (n == 4) {
                    return new Reply(200, schema);
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("schema", schema);
                return Reply.ok(o);
            }
        } else if (first.equals("compatibility")) {
            if (n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions") && post) {
                String subject = p.get(2);
                int v = version(p.get(4));
                List<String> problems = store.compatibilityProblems(subject, v, schemaOf(req));
                ObjectNode o = JSON.createObjectNode();
                o.put("is_compatible", problems.isEmpty());
                if (!problems.isEmpty() && "true".equals(param(qs, "verbose"))) {
                    ArrayNode msgs = o.putArray("messages");
                    problems.forEach(msgs::add);
                }
                return Reply.ok(o);
            }
        } else if (first.equals("config")) {
            String subject = n == 2 ? p.get(1) : null;
            if (n <= 2 && get) {
                CompatibilityLevel level;
                if (subject == null) {
                    level = store.globalLevel();
                } else if ("true".equals(param(qs, "defaultToGlobal"))) {
                    level = store.level(subject);
                } else {
                    level = store.subjectLevel(subject).orElseThrow(() -> new RegistryException(
                            RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                            "Subject '" + subject + "' does not have subject-level compatibility configured"));
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("compatibilityLevel", level.name());
                return Reply.ok(o);
            }
            if (n <= 2 && put) {
                JsonNode body = body(req);
                CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").isTextual()
                        ? body.path("compatibility").asText() : body.path("compatibilityLevel").asText(null));
                store.setLevel(subject, level);
                ObjectNode o = JSON.createObjectNode();
                o.put("compatibility", level.name());
                return Reply.ok(o);
            }
        }
        if (isResource(p)) {
            return Reply.error(405, 405, "HTTP 405 Method Not Allowed");
        }
        return Reply.error(404, 404, "HTTP 404 Not Found");
    }

    /** True for the paths the API serves with some method: another method there is 405, as in Confluent's. */
    private static boolean isResource(List<String> p) {
        int n = p.size();
        String first = n > 0 ? p.get(0) : "";
        return switch (first) {
            case "" -> true;
            case "subjects" -> n <= 2 || p.get(2).equals("versions") && (n <= 4 || n == 5 && p.get(4).equals("schema"));
            case "schemas" -> n == 1 || n == 2 && p.get(1).equals("types")
                    || p.size() > 1 && p.get(1).equals("ids") && (n == 3 || n == 4 && p.get(3).equals("schema"));
            case "compatibility" -> n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions");
            case "config" -> n <= 2;
            default -> false;
        };
    }

    private static String param(QueryStringDecoder qs, String name) {
        List<String> v = qs.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static ObjectNode entryJson(SchemaStore.SchemaEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("subject", e.subject());
        o.put("version", e.version());
        o.put("id", e.id());
        o.put("schema", e.schema());
        return o;
    }

    /** "latest" and -1 mean the latest; otherwise 1..2^31-1, else 42202. */
    static int version(String s) {
        if (s.equals("latest")) {
            return -1;
        }
        try {
            int v = Integer.parseInt(s);
            if (v == -1 || v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new RegistryException(RegistryException.INVALID_VERSION, "The specified version '" + s
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static JsonNode body(FullHttpRequest req) {
        String text = req.content().toString(StandardCharsets.UTF_8);
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                throw new RegistryException(RegistryException.INVALID_SCHEMA, "Request body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RegistryException(400, "Unrecognized JSON in the request body: " + e.getOriginalMessage());
        }
    }

    private static String schemaOf(FullHttpRequest req) {
        JsonNode body = body(req);
        JsonNode type = body.path("schemaType");
        if (type.isTextual() && !type.asText().equalsIgnoreCase("AVRO")) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Unsupported schema type " + type.asText()
                    + ": this registry stores AVRO schemas only");
        }
        JsonNode refs = body.path("references");
        if (refs.isArray() && refs.size() > 0) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Schema references are not supported");
        }
        JsonNode schema = body.path("schema");
        if (!schema.isTextual()) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema: the request has no \"schema\" string");
        }
        return schema.asText();
    }
}
