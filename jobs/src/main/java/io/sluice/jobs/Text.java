package io.sluice.jobs;

import java.util.Map;

/** Wording and escaping shared by the commands' output. */
final class Text {
    private Text() {
    }

    static String partitions(int n) {
        return n == 1 ? "1 partition" : n + " partitions";
    }

    static String records(long n) {
        return n == 1 ? "1 record" : n + " records";
    }

    static String batches(long n) {
        return n == 1 ? "1 batch" : n + " batches";
    }

    /** "offset 4" or "offsets 4..6". */
    static String offsets(long first, long last) {
        return first == last ? "offset " + first : "offsets " + first + ".." + last;
    }

    /** A topic's config overrides, or "defaults" when it has none. */
    static String config(Map<String, String> overrides) {
        return overrides.isEmpty() ? "defaults" : overrides.toString();
    }

    /** {@code s} as a JSON string literal (with quotes), or {@code null}. */
    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
