package io.sluice.jobs;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A timestamp option: milliseconds since the epoch, or an ISO-8601 instant such as 2026-11-25T10:00:00Z. */
final class TimestampConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(value.trim()).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new TypeConversionException("'" + value + "' is not a timestamp: give milliseconds since the"
                        + " epoch or an instant like 2026-11-25T10:00:00Z");
            }
        }
    }
}
