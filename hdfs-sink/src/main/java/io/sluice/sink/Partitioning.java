package io.sluice.sink;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * How a table lays its rows out in directories. Time partitionings use the record's event time in the
 * table's time zone, so a late event lands in the partition of its own event time; {@link #FIELD} uses the
 * value of one record field and is never closed (it has no end in time).
 */
public enum Partitioning {
    /** {@code dt=YYYY-MM-DD/hr=HH} (the default). */
    HOURLY,
    /** {@code dt=YYYY-MM-DD}. */
    DAILY,
    /** {@code <field>=<value>} with the value of the table's partition field. */
    FIELD;

    public static Partitioning parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown partitioning '" + text + "': expected hourly, daily or field");
        }
    }

    public boolean isTimeBased() {
        return this != FIELD;
    }

    /** The directory, relative to the table root, of a row with this event time. */
    public String pathFor(long eventTimeMillis, ZoneId zone) {
        if (!isTimeBased()) {
            throw new IllegalStateException("partitioning " + this + " has no time path");
        }
        ZonedDateTime t = Instant.ofEpochMilli(eventTimeMillis).atZone(zone);
        String dt = String.format(Locale.ROOT, "dt=%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        return this == DAILY ? dt : dt + String.format(Locale.ROOT, "/hr=%02d", t.getHour());
    }

    /** The directory of a row whose partition field holds {@code value}; characters unsafe in a path are escaped. */
    public static String fieldPath(String field, Object value) {
        String text = value == null ? "__null__" : value.toString();
        StringBuilder b = new StringBuilder(field).append('=');
        for (char c : text.toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') {
                b.append(c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", (int) c & 0xff));
            }
        }
        return b.toString();
    }

    /**
     * The end (exclusive, epoch millis) of the time partition at {@code path}, or -1 when the path is not a
     * partition of this layout.
     */
    public long endOf(String path, ZoneId zone) {
        try {
            String[] parts = path.split("/");
            if (parts.length == 0 || !parts[0].startsWith("dt=")) {
                return -1;
            }
            java.time.LocalDate day = java.time.LocalDate.parse(parts[0].substring(3));
            if (this == DAILY && parts.length == 1) {
                return day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
            }
            if (this == HOURLY && parts.length == 2 && parts[1].startsWith("hr=")) {
                int hour = Integer.parseInt(parts[1].substring(3));
                return day.atTime(hour, 0).plusHours(1).atZone(zone).toInstant().toEpochMilli();
            }
            return -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
