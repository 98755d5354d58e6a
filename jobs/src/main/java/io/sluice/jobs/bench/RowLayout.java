package io.sluice.jobs.bench;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The table row layout the plain loop writes, the same as the Sluice table's: the registry schema plus a trailing
 * {@code _sluice} record (topic, partition, offset, timestamp), in hourly event-time directories
 * {@code dt=YYYY-MM-DD/hr=HH} of a time zone.
 *
 * <p>Because Avro's binary encoding of a record is the concatenation of its fields, a row is the record's
 * encoded body followed by the encoded {@code _sluice} fields; no re-encoding of the body is needed.
 *
 * <p>Not thread-safe (caches).
 */
final class RowLayout {
    static final String METADATA_FIELD = io.sluice.sink.internals.RowSchemas.METADATA_FIELD;
    /** Every real zone offset is a multiple of 15 minutes, so one cache entry per quarter hour is exact. */
    private static final long QUARTER_HOUR_MS = 15 * 60 * 1000L;

    private final ZoneId zone;
    private final Map<Long, String> pathByQuarter = new HashMap<>();
    private final Map<Schema, Schema> rowSchemas = new HashMap<>();

    RowLayout(ZoneId zone) {
        this.zone = zone;
    }

    /** {@code dt=YYYY-MM-DD/hr=HH} of an event time in this layout's zone. */
    String pathFor(long eventTimeMillis) {
        return pathByQuarter.computeIfAbsent(Math.floorDiv(eventTimeMillis, QUARTER_HOUR_MS), q -> {
            ZonedDateTime t = Instant.ofEpochMilli(q * QUARTER_HOUR_MS).atZone(zone);
            return String.format(Locale.ROOT, "dt=%04d-%02d-%02d/hr=%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour());
        });
    }

    /** The writer schema of the table's files for rows written with {@code valueSchema}. */
    Schema rowSchema(Schema valueSchema) {
        return rowSchemas.computeIfAbsent(valueSchema, RowLayout::withMetadata);
    }

    private static Schema withMetadata(Schema value) {
        // the very layout the sink writes, so both cases produce the same files
        return io.sluice.sink.internals.RowSchemas.fileSchema(value, true);
    }
}
