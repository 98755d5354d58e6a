package io.sluice.pipeline.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads pipeline YAML onto {@link RawPipeline} and applies overrides to its tree. Jackson does the
 * structural checks (unknown keys, a list where a value belongs, duplicate keys); this class turns its
 * exceptions into {@link PipelineConfigException}s naming the key path and, for text, the line.
 */
final class PipelineYaml {
    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "topics: page_views" is a list of one
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private PipelineYaml() {
    }

    /** A document as read: its tree (the base of overrides), the records bound from it, and key lines. */
    record Parsed(ObjectNode tree, RawPipeline raw, Map<String, Integer> lines) {
    }

    /**
     * Parses and binds {@code text}. Errors, and later those of {@link Resolver}, carry the line of the key
     * they name, looked up in {@link Parsed#lines}: Jackson reports an unknown key of a record only once
     * the record's mapping has ended, at the wrong line.
     */
    static Parsed read(String text, String origin) {
        Map<String, Integer> lines = keyLines(text, origin);
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw translate(e, origin, lines);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new PipelineConfigException(origin, "", "empty: expected a pipeline definition (name, source, "
                    + "warehouse, table-defaults, tables, runner, audit)");
        }
        if (!root.isObject()) {
            throw new PipelineConfigException(origin, "", "expected a mapping of keys (name, source, ...), found "
                    + kind(root));
        }
        ObjectNode tree = (ObjectNode) root;
        return new Parsed(tree, bind(tree, origin, lines), lines);
    }

    /** Binds a tree; {@code lines} gives the line of a key path (empty when the values are not the file's). */
    static RawPipeline bind(ObjectNode tree, String origin, Map<String, Integer> lines) {
        try {
            return MAPPER.treeToValue(tree, RawPipeline.class);
        } catch (JsonProcessingException e) {
            throw translate(e, origin, lines);
        }
    }

    /** The line of every key, and of every list entry ({@code source.topics[1]}), by key path. */
    private static Map<String, Integer> keyLines(String text, String origin) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = MAPPER.getFactory().createParser(text)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isStructEnd()) {
                    continue;
                }
                // a mapping or list opens its own context: its position is in the enclosing one
                JsonStreamContext c = t.isStructStart() ? p.getParsingContext().getParent() : p.getParsingContext();
                if (t == JsonToken.FIELD_NAME || c.inArray()) {
                    lines.putIfAbsent(path(c), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (JsonProcessingException e) {
            throw translate(e, origin, Map.of());
        } catch (IOException e) {
            throw new PipelineConfigException(origin, "", "cannot read: " + e);
        }
        return lines;
    }

    /** The line of {@code path}, or of its nearest enclosing key (a missing key's section), or -1. */
    static int lineOf(Map<String, Integer> lines, String path) {
        for (String p = path; !p.isEmpty(); p = parent(p)) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
        }
        return -1;
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    /**
     * A copy of {@code tree} with each override set: key path to value as text. An empty value removes
     * the key (its default applies again). Lists take comma-separated values for {@code source.topics}
     * and space-separated ones for {@code runner.extra} (Beam arguments may contain commas). Setting one of
     * {@code source.topics} and {@code source.topic-pattern} removes the other from the file's choice.
     */
    static ObjectNode withOverrides(ObjectNode tree, Map<String, String> overrides, String origin) {
        ObjectNode copy = tree.deepCopy();
        boolean topics = nonEmpty(overrides.get("source.topics"));
        boolean pattern = nonEmpty(overrides.get("source.topic-pattern"));
        if (topics && pattern) {
            throw new PipelineConfigException(origin, "source.topic-pattern",
                    "overrides set both source.topics and source.topic-pattern; set one");
        }
        if (topics || pattern) {
            ObjectNode source = section(copy, PipelineKeys.SOURCE);
            source.remove(topics ? "topic-pattern" : "topics");
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            set(copy, e.getKey(), e.getValue() == null ? "" : e.getValue().trim(), origin);
        }
        return copy;
    }

    private static void set(ObjectNode root, String keyPath, String value, String origin) {
        if (keyPath.equals(PipelineKeys.NAME)) {
            put(root, PipelineKeys.NAME, value);
            return;
        }
        int dot = keyPath.indexOf('.');
        String section = dot < 0 ? keyPath : keyPath.substring(0, dot);
        String rest = dot < 0 ? "" : keyPath.substring(dot + 1);
        List<String> known = switch (section) {
            case PipelineKeys.SOURCE -> PipelineKeys.SOURCE_KEYS;
            case PipelineKeys.WAREHOUSE -> PipelineKeys.WAREHOUSE_KEYS;
            case PipelineKeys.TABLE_DEFAULTS -> PipelineKeys.TABLE_OPTION_KEYS;
            case PipelineKeys.RUNNER -> PipelineKeys.RUNNER_KEYS;
            case PipelineKeys.AUDIT -> PipelineKeys.AUDIT_KEYS;
            case PipelineKeys.TABLES -> null;
            default -> throw unknownOverride(origin, keyPath);
        };
        if (section.equals(PipelineKeys.TABLES)) {
            // tables.<topic>.<key>: topic names may contain dots, keys never do
            int last = rest.lastIndexOf('.');
            String key = last < 0 ? "" : rest.substring(last + 1);
            if (last <= 0 || !(key.equals(PipelineKeys.TABLE) || PipelineKeys.TABLE_OPTION_KEYS.contains(key))) {
                throw unknownOverride(origin, keyPath);
            }
            ObjectNode tables = section(root, PipelineKeys.TABLES);
            put(section(tables, rest.substring(0, last)), key, value);
            return;
        }
        ObjectNode node = section(root, section);
        for (String key : known) {
            String path = section + "." + key;
            if (PipelineKeys.MAP_KEYS.contains(path) && rest.startsWith(key + ".") && rest.length() > key.length() + 1) {
                put(section(node, key), rest.substring(key.length() + 1), value); // a Kafka or Hadoop property
                return;
            }
            if (rest.equals(key) && !PipelineKeys.MAP_KEYS.contains(path)) {
                if (PipelineKeys.LIST_KEYS.contains(path)) {
                    putList(node, key, value, path.equals("runner.extra") ? "\\s+" : ",");
                } else {
                    put(node, key, value);
                }
                return;
            }
        }
        throw unknownOverride(origin, keyPath);
    }

    private static PipelineConfigException unknownOverride(String origin, String keyPath) {
        return new PipelineConfigException(origin, keyPath, "unknown key to override (known: "
                + String.join(", ", PipelineKeys.ALL) + ", where " + PipelineKeys.TABLES + "."
                + PipelineKeys.TOPIC_PLACEHOLDER + " also takes every " + PipelineKeys.TABLE_DEFAULTS + " key, and "
                + String.join(" and ", PipelineKeys.MAP_KEYS) + " take .<property>)");
    }

    private static ObjectNode section(ObjectNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(key); // absent or empty ("source:" with nothing under it)
    }

    private static void put(ObjectNode node, String key, String value) {
        if (value.isEmpty()) {
            node.remove(key);
        } else {
            node.put(key, value);
        }
    }

    private static void putList(ObjectNode node, String key, String value, String separator) {
        if (value.isEmpty()) {
            node.remove(key);
            return;
        }
        ArrayNode list = node.putArray(key);
        Arrays.stream(value.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).forEach(list::add);
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isBlank();
    }

    private static PipelineConfigException translate(JsonProcessingException e, String origin,
                                                     Map<String, Integer> lines) {
        String path = e instanceof JsonMappingException m ? path(m) : "";
        JsonLocation at = e.getLocation();
        int line = lineOf(lines, path);
        if (line < 0 && at != null) {
            line = at.getLineNr();
        }
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = knownKeys(parent(path));
            return new PipelineConfigException(origin, path, line, "unknown key '" + u.getPropertyName() + "'"
                    + (known.isEmpty() ? "" : " (known here: " + String.join(", ", known) + ")"));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new PipelineConfigException(origin, path, line, "expected " + expected(m.getTargetType()));
        }
        String first = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage().lines().findFirst().orElse("");
        return new PipelineConfigException(origin, path, line, "not valid YAML: " + first);
    }

    /** The keys allowed in the mapping at {@code path}, in file order. */
    private static List<String> knownKeys(String path) {
        if (path.isEmpty()) {
            return PipelineKeys.TOP_LEVEL;
        }
        return switch (path) {
            case PipelineKeys.SOURCE -> PipelineKeys.SOURCE_KEYS;
            case PipelineKeys.WAREHOUSE -> PipelineKeys.WAREHOUSE_KEYS;
            case PipelineKeys.TABLE_DEFAULTS -> PipelineKeys.TABLE_OPTION_KEYS;
            case PipelineKeys.RUNNER -> PipelineKeys.RUNNER_KEYS;
            case PipelineKeys.AUDIT -> PipelineKeys.AUDIT_KEYS;
            default -> path.startsWith(PipelineKeys.TABLES + ".")
                    ? concat(PipelineKeys.TABLE, PipelineKeys.TABLE_OPTION_KEYS) : List.of();
        };
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a single value, not a list or a mapping (quote a value that starts with '[' or '{', "
                    + "such as \"[local]\")";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping (key: value)"; // a section record or a Map
    }

    /** The key path of the parser's position: {@code tables.shop.orders.codec}, {@code source.topics[1]}. */
    private static String path(JsonStreamContext context) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            parts.add(c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName());
        }
        StringBuilder b = new StringBuilder();
        for (int i = parts.size() - 1; i >= 0; i--) {
            String part = parts.get(i);
            b.append(b.length() == 0 || part.startsWith("[") ? "" : ".").append(part);
        }
        return b.toString();
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isObject() ? "a mapping" : "'" + n.asText() + "'";
    }
}
