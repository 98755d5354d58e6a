package io.sluice.jobs.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sluice audit}: the audit's aggregator and its reports.
 *
 * <pre>
 *   sluice audit report --bootstrap 127.0.0.1:9092 --topic clicks --from 2026-03-01T00:00:00Z --format html --out audit.html
 *   sluice audit aggregate --bootstrap 127.0.0.1:9092 --state-dir data/audit
 *   sluice audit verify --table clicks --table-root hdfs://nn:8020/warehouse/clicks --bootstrap 127.0.0.1:9092
 * </pre>
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Count-and-digest audit of every tier: whether each topic's buckets are complete.",
        subcommands = {AuditReportCommand.class, AuditAggregateCommand.class, AuditVerifyCommand.class})
public final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** A time option: an ISO-8601 instant (2026-03-01T10:00:00Z), milliseconds since the epoch, or "-6h" (ago). */
    static final class TimeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim();
            if (v.startsWith("-") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 1))) {
                return System.currentTimeMillis() - new DurationConverter().convert(v.substring(1)).toMillis();
            }
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                try {
                    return Instant.parse(v).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    throw new TypeConversionException("'" + value + "' is not a time: give an instant like "
                            + "2026-03-01T10:00:00Z, milliseconds since the epoch, or a time ago like -6h");
                }
            }
        }
    }

    /** A duration option: 90s, 10m, 1h, 2d, 500ms, 0, or ISO-8601 (PT1H). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("pt") || v.startsWith("p")) {
                    return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
                }
                if (v.equals("0")) {
                    return Duration.ZERO;
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                };
            } catch (RuntimeException e) {
                throw new TypeConversionException("'" + value + "' is not a duration: give e.g. 90s, 10m, 1h, 2d or 0");
            }
        }
    }
}
