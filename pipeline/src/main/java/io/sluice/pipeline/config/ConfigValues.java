package io.sluice.pipeline.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value syntaxes of pipeline files, also for command-line flags that override them. Each parser
 * throws {@link IllegalArgumentException} whose message names the value and the accepted forms; callers
 * put the key in front.
 */
public final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b|b)?", Pattern.CASE_INSENSITIVE);
    private static final Map<String, Long> SIZE_UNITS = Map.of(
            "b", 1L,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);

    private ConfigValues() {
    }

    /**
     * A duration: a whole number with a unit ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h},
     * {@code 2d}), {@code 0}, or ISO-8601 ({@code PT1M30S}). Never negative.
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                Duration d = Duration.parse(t);
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
            throw new IllegalArgumentException("'" + text + "' is not a duration" + DURATION_FORMS);
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration" + DURATION_FORMS);
        }
        try {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
    }

    private static final String DURATION_FORMS =
            " (a whole number with a unit: 500ms, 10s, 5m, 1h, 2d; or ISO-8601 such as PT1M30S)";

    /**
     * A size in bytes: a whole number, optionally with a unit: {@code KiB MiB GiB TiB} (powers of 1024),
     * {@code KB MB GB TB} (powers of 1000) or {@code B}; units ignore case; '_' separators are allowed.
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().replace("_", ""));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (bytes, or a whole number with a unit: "
                    + "128MiB, 64MB, 512KiB, 1GiB)");
        }
        try {
            long unit = m.group(2) == null ? 1 : SIZE_UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
    }

    /** A whole number in [min, max]; '_' separators are allowed ({@code 1_000_000}). */
    public static long parseLong(String text, long min, long max) {
        try {
            long n = Long.parseLong(text.trim().replace("_", ""));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "' is not a whole number in ["
                + min + ", " + (max == Long.MAX_VALUE ? "..." : max) + "]");
    }

    /** {@code true} or {@code false}, in any case. */
    public static boolean parseBoolean(String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(t);
        }
        throw new IllegalArgumentException("'" + text + "' is not true or false");
    }
}
