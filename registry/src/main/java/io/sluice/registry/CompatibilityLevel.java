package io.sluice.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Confluent's compatibility levels, decided by Avro's own {@link SchemaCompatibility}. BACKWARD: the new schema
 * can read data written with the latest; FORWARD: the latest can read data written with the new one; FULL: both.
 * The _TRANSITIVE levels check against every live version instead of only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** Parses a level name (any case); throws 42203 when it is not one. */
    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through
            }
        }
        throw new RegistryException(RegistryException.INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive,"
                        + " forward_transitive, and full_transitive");
    }

    /** A previous version the candidate is checked against. */
    public record Previous(int version, Schema schema) {}

    /**
     * The incompatibilities of {@code candidate} against {@code previous} (oldest first); empty when compatible.
     * Non-transitive levels look only at the last element.
     */
    public List<String> check(Schema candidate, List<Previous> previous) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || previous.isEmpty()) {
            return problems;
        }
        List<Previous> against = transitive ? previous : List.of(previous.get(previous.size() - 1));
        for (int i = against.size() - 1; i >= 0; i--) {
            Previous p = against.get(i);
            if (backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, p.schema()).getResult(),
                        candidate, p.schema(), "the new schema cannot read data written with version " + p.version(),
                        problems);
            }
            if (forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(p.schema(), candidate).getResult(),
                        p.schema(), candidate, "version " + p.version() + " cannot read data written with the new schema",
                        problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibilityResult result, Schema reader, Schema writer, String direction,
                                 List<String> out) {
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility inc : result.getIncompatibilities()) {
            String field = fieldAt(reader, inc.getLocation());
            if (field == null) {
                field = fieldAt(writer, inc.getLocation());
            }
            out.add(direction + ": " + inc.getType() + (field != null ? " on field '" + field + "'" : "")
                    + " at " + inc.getLocation() + ": " + inc.getMessage());
        }
    }

    /** Best effort: the dotted field name a JSON-pointer location like /fields/1/type points into, or null. */
    static String fieldAt(Schema schema, String location) {
        if (location == null) {
            return null;
        }
        try {
            String[] seg = location.split("/");
            Schema cur = schema;
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < seg.length; i++) {
                String s = seg[i];
                if (s.isEmpty() || s.equals("type") || s.equals("name")) {
                    continue;
                }
                if (s.equals("fields") && cur.getType() == Schema.Type.RECORD && i + 1 < seg.length) {
                    Schema.Field f = cur.getFields().get(Integer.parseInt(seg[++i]));
                    if (name.length() > 0) {
                        name.append('.');
                    }
                    name.append(f.name());
                    cur = f.schema();
                } else if (s.equals("items") && cur.getType() == Schema.Type.ARRAY) {
                    cur = cur.getElementType();
                } else if (s.equals("values") && cur.getType() == Schema.Type.MAP) {
                    cur = cur.getValueType();
                } else if (cur.getType() == Schema.Type.UNION && s.chars().allMatch(Character::isDigit)) {
                    cur = cur.getTypes().get(Integer.parseInt(s));
                } else {
                    break;
                }
            }
            return name.length() == 0 ? null : name.toString();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
