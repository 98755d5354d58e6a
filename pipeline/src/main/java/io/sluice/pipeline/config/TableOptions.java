package io.sluice.pipeline.config;

import io.sluice.sink.GapPolicy;
import io.sluice.sink.Partitioning;
import io.sluice.sink.TableSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a table is written: the {@code table-defaults} section, or those defaults with a topic's overrides
 * from {@code tables.<topic>} applied. Immutable. Values are the file's (codec {@code zstd}, {@code none});
 * {@link #applyTo} hands them to {@link TableSpec.Builder}, which owns the defaults ({@link #DEFAULTS} is
 * read from it, so the file's defaults and the sink's cannot differ).
 *
 * @param partitionField the field of {@link Partitioning#FIELD}, null for time partitionings
 * @param timeZone       zone id of the time partitions (UTC by default)
 * @param codec          one of {@link #CODECS}
 * @param eventTimeField a timestamp field to take event time from, or null for the log timestamp
 * @param onGap          what the table does when the log lost offsets it had not committed
 */
public record TableOptions(Partitioning partitioning, String partitionField, String timeZone, String codec,
                           long maxFileRecords, long maxFileBytes, Duration commitInterval,
                           Duration allowedLateness, boolean metadataField, String eventTimeField, GapPolicy onGap) {

    /** Codec names as a pipeline file spells them. */
    public static final List<String> CODECS = List.of("snappy", "deflate", "zstd", "none");

    /** TableSpec's own defaults. */
    public static final TableOptions DEFAULTS = of(TableSpec.builder("defaults", "file:///defaults").build());

    public TableOptions {
        Objects.requireNonNull(partitioning, "partitioning");
        Objects.requireNonNull(timeZone, "timeZone");
        Objects.requireNonNull(commitInterval, "commitInterval");
        Objects.requireNonNull(allowedLateness, "allowedLateness");
        Objects.requireNonNull(onGap, "onGap");
        if (!CODECS.contains(codec)) {
            throw new IllegalArgumentException("codec '" + codec + "' is not one of " + CODECS);
        }
        if ((partitioning == Partitioning.FIELD) != (partitionField != null)) {
            throw new IllegalArgumentException("partition field '" + partitionField + "' with partitioning "
                    + partitioning + ": a partition field goes with partitioning FIELD only, and FIELD needs one");
        }
    }

    /** The options of an existing spec, with its codec under the file's name. */
    static TableOptions of(TableSpec s) {
        String codec = switch (s.codec()) {
            case "zstandard" -> "zstd";
            case "null" -> "none";
            default -> s.codec();
        };
        return new TableOptions(s.partitioning(), s.partitionField(), s.zone().getId(), codec, s.maxFileRecords(),
                s.maxFileBytes(), s.commitInterval(), s.allowedLateness(), s.metadataField(), s.eventTimeField(),
                s.onGap());
    }

    /** Sets every option on {@code b}. */
    public TableSpec.Builder applyTo(TableSpec.Builder b) {
        return b.partitioning(partitioning)
                .partitionField(partitionField)
                .zone(timeZone)
                .codec(codec)
                .maxFileRecords(maxFileRecords)
                .maxFileBytes(maxFileBytes)
                .commitInterval(commitInterval)
                .allowedLateness(allowedLateness)
                .metadataField(metadataField)
                .eventTimeField(eventTimeField)
                .onGap(onGap);
    }
}
