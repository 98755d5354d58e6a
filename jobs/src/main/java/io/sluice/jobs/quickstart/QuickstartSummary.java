package io.sluice.jobs.quickstart;

import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the quickstart ingested, counted again from the table itself (every committed file read back), not
 * from the pipeline's own counters, and compared with the log's end offsets.
 */
public record QuickstartSummary(String table, String root, long produced, long logRecords, long rows, long distinctOffsets,
                                long files, long partitions, long closedPartitions, long deadLetters,
                                long latencyP50, long latencyP99, long latencyMax, long latencySamples,
                                long produceMillis, long pipelineMillis, long totalMillis, String exampleFile) {

    /** Every row once and every record of the log in the table (or in the dead-letter table). */
    public boolean exactlyOnce() {
        return rows == distinctOffsets && rows + deadLetters == logRecords;
    }

    public static QuickstartSummary of(TableSpec spec, Configuration hadoop, Map<Integer, Long> endOffsets,
                                       ProduceSummary produced, QuickstartLatency latency, long totalMillis,
                                       long pipelineMillis) {
        TableReader reader = TableReader.open(spec, hadoop);
        long[] rows = {0};
        Set<Long> offsets = new HashSet<>();
        reader.forEach(r -> {
            rows[0]++;
            GenericRecord meta = (GenericRecord) r.get("_sluice");
            // partition and offset packed into one long: partitions < 2^16 and offsets < 2^47 here
            offsets.add(((long) (Integer) meta.get("partition") << 47) | (Long) meta.get("offset"));
        });
        List<Path> files = reader.committedFiles();
        Set<Path> partitions = new HashSet<>();
        for (Path f : files) {
            partitions.add(f.getParent());
        }
        long closed;
        try {
            FileSystem fs = new Path(spec.root()).getFileSystem(hadoop);
            FileStatus[] success = fs.globStatus(new Path(spec.root(), "*/*/_SUCCESS"));
            FileStatus[] daily = fs.globStatus(new Path(spec.root(), "*/_SUCCESS"));
            closed = (success == null ? 0 : success.length) + (daily == null ? 0 : daily.length);
        } catch (IOException e) {
            throw new UncheckedIOException("listing the closed partitions of " + spec.root(), e);
        }
        long logRecords = endOffsets.values().stream().mapToLong(Long::longValue).sum();
        return new QuickstartSummary(spec.name(), spec.root(), produced.count(), logRecords, rows[0], offsets.size(),
                files.size(), partitions.size(), closed, reader.deadLetters().size(),
                latency.percentileMillis(50), latency.percentileMillis(99), latency.maxMillis(), latency.samples(),
                produced.elapsed().toMillis(), pipelineMillis, totalMillis,
                files.isEmpty() ? "" : files.get(files.size() - 1).toString());
    }

    /** The counts for people, and where to look; {@link #json} is the line for scripts. */
    public void print(PrintWriter out, String pipeline) {
        out.println();
        out.println(exactlyOnce()
                ? "Sluice quickstart: every record of the log is in table " + table + ", exactly once."
                : "Sluice quickstart: table " + table + " does NOT match the log (see the counts below).");
        out.printf(Locale.ROOT, "  produced         %,d page views this run (%.1f s)%n", produced, produceMillis / 1000.0);
        out.printf(Locale.ROOT, "  in the log       %,d records in topic page_views (all runs)%n", logRecords);
        out.printf(Locale.ROOT, "  committed        %,d rows, %,d distinct (partition, offset), re-read from the table's files%n",
                rows, distinctOffsets);
        out.printf(Locale.ROOT, "  dead letters     %,d%n", deadLetters);
        out.printf(Locale.ROOT, "  partitions       %,d (dt=/hr=), %,d closed with _SUCCESS%n", partitions, closedPartitions);
        out.printf(Locale.ROOT, "  files            %,d Avro files%n", files);
        out.printf(Locale.ROOT, "  latency          produce -> committed: p50 %.1f s, p99 %.1f s, max %.1f s (%,d samples)%n",
                latencyP50 / 1000.0, latencyP99 / 1000.0, latencyMax / 1000.0, latencySamples);
        out.printf(Locale.ROOT, "  took             %.1f s in all, %.1f s with the pipeline running (pipeline %s)%n",
                totalMillis / 1000.0, pipelineMillis / 1000.0, pipeline);
        out.println();
        out.println("Where to look:");
        out.println("  the table        " + root + "   (Hive layout: dt=YYYY-MM-DD/hr=HH/<topic>+<partition>+<first>+<last>.avro)");
        if (!exampleFile.isEmpty()) {
            out.println("  a data file      " + exampleFile);
        }
        out.println("  its journal      " + root + "/_sluice/journal/   (one JSON entry per commit)");
        out.println("  read a file      java -jar avro-tools.jar tojson <file>   (or Spark, Hive, DuckDB's read_avro)");
        out.flush();
    }

    /** The counts as one JSON line, for scripts, followed by {@code more} (such as the audit's). */
    public String json(Map<String, Object> more) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", table);
        m.put("root", root);
        m.put("exactly_once", exactlyOnce());
        m.put("events_produced", produced);
        m.put("log_records", logRecords);
        m.put("rows_committed", rows);
        m.put("distinct_offsets", distinctOffsets);
        m.put("dead_letters", deadLetters);
        m.put("partitions", partitions);
        m.put("closed_partitions", closedPartitions);
        m.put("files", files);
        m.put("latency_p50_ms", latencyP50);
        m.put("latency_p99_ms", latencyP99);
        m.put("latency_max_ms", latencyMax);
        m.put("latency_samples", latencySamples);
        m.put("produce_ms", produceMillis);
        m.put("pipeline_ms", pipelineMillis);
        m.put("total_ms", totalMillis);
        m.putAll(more);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
