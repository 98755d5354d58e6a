package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.Path;

/** Test records and checks on what a table holds. */
final class Rows {
    static final Schema PAGE_VIEW = SchemaBuilder.record("PageView").namespace("io.sluice.test").fields()
            .requiredString("id").requiredString("url").requiredLong("viewed_at").endRecord();
    /** v2: a field added with a default (BACKWARD compatible). */
    static final Schema PAGE_VIEW_V2 = SchemaBuilder.record("PageView").namespace("io.sluice.test").fields()
            .requiredString("id").requiredString("url").requiredLong("viewed_at")
            .name("referrer").type().stringType().stringDefault("none").endRecord();
    static final long HOUR = 3_600_000L;
    /** A whole hour, a few days ago. */
    static final long T0 = (System.currentTimeMillis() / HOUR - 72) * HOUR;
    private static final DateTimeFormatter HOUR_PATH =
            DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hr='HH").withZone(ZoneOffset.UTC);

    private Rows() {}

    static GenericRecord pageView(String id, long at) {
        GenericRecord r = new GenericData.Record(PAGE_VIEW);
        r.put("id", id);
        r.put("url", "/p/" + id);
        r.put("viewed_at", at);
        return r;
    }

    static GenericRecord pageViewV2(String id, long at, String referrer) {
        GenericRecord r = new GenericData.Record(PAGE_VIEW_V2);
        r.put("id", id);
        r.put("url", "/p/" + id);
        r.put("viewed_at", at);
        r.put("referrer", referrer);
        return r;
    }

    /** n page views whose times spread evenly over {@code hours} hours from T0. */
    static List<GenericRecord> pageViews(String prefix, int n, int hours) {
        List<GenericRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(pageView(prefix + i, timeOf(i, n, hours)));
        }
        return out;
    }

    static long timeOf(int i, int n, int hours) {
        return T0 + (long) i * hours * HOUR / n;
    }

    static List<Long> times(List<GenericRecord> records) {
        return records.stream().map(r -> (Long) r.get("viewed_at")).toList();
    }

    /** The source of a row as {@code topic-partition@offset}, from its metadata field. */
    static String source(GenericRecord row) {
        GenericRecord m = (GenericRecord) row.get("_sluice");
        assertThat(m).as("metadata field _sluice of row %s", row).isNotNull();
        return m.get("topic") + "-" + m.get("partition") + "@" + m.get("offset");
    }

    static long metaTimestamp(GenericRecord row) {
        return (Long) ((GenericRecord) row.get("_sluice")).get("timestamp");
    }

    static String hourPath(long millis) {
        return HOUR_PATH.format(Instant.ofEpochMilli(millis));
    }

    /** The table holds exactly the expected sources, each once: count, distinct count, missing and extra. */
    static void assertExactlyOnce(String what, List<GenericRecord> rows, Collection<IngestEnvironment.Sent> sent) {
        Set<String> expected = new HashSet<>();
        sent.forEach(s -> expected.add(s.id()));
        assertThat(expected).as("%s: expected sources are distinct", what).hasSize(sent.size());
        List<String> sources = rows.stream().map(Rows::source).toList();
        Set<String> distinct = new HashSet<>(sources);
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(distinct);
        Set<String> extra = new HashSet<>(distinct);
        extra.removeAll(expected);
        assertThat(missing).as("%s: sources missing from the table", what).isEmpty();
        assertThat(extra).as("%s: sources in the table that were not expected", what).isEmpty();
        assertThat(sources).as("%s: rows (duplicates would make this longer than %d)", what, expected.size())
                .hasSize(expected.size());
    }

    /** Every data file sits in the hour directory of each of its rows' log timestamps. */
    static Set<String> hourDirectories(List<Path> files) {
        Set<String> hours = new HashSet<>();
        for (Path f : files) {
            hours.add(f.getParent().getParent().getName() + "/" + f.getParent().getName());
        }
        return hours;
    }
}
