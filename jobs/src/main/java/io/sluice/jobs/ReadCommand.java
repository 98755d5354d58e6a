package io.sluice.jobs;

import io.sluice.log.LogDamageException;
import io.sluice.log.LogManager;
import io.sluice.log.OffsetOutOfRangeException;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.TopicDescription;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice log read}: the durable records of a topic (or one partition), one line each. */
@Command(name = "read", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Print the durable records of a topic (partition by partition) or of one partition.",
            "text: partition, offset, timestamp, key and value, tab-separated, with labels; json: one JSON object "
                    + "per line. Keys and values are decoded as UTF-8.",
            "A summary per partition goes to standard error."})
final class ReadCommand implements Callable<Integer> {
    static final String EARLIEST = "earliest";
    private static final int READ_BYTES = 1 << 20;

    enum Format { text, json }

    @Mixin
    LogOptions log;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to read.")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: all).")
    Integer partition;

    @Option(names = "--from", defaultValue = EARLIEST, paramLabel = "OFFSET|earliest",
            description = "First offset to print (default: earliest, the log start offset). An offset needs "
                    + "--partition unless the topic has one partition.")
    String from;

    @Option(names = "--max", paramLabel = "N", description = "Print at most N records in all (default: no limit).")
    Long max;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: text).")
    Format format;

    @Spec
    CommandSpec spec;

    private int damaged;

    @Override
    public Integer call() {
        Long fromOffset = parseFrom();
        if (max != null && max < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max must not be negative, was " + max);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LogManager m = log.openExisting()) {
            TopicDescription t = log.topic(m, topic);
            List<Integer> parts = new ArrayList<>();
            if (partition != null) {
                parts.add(LogOptions.checkPartition(t, partition));
            } else {
                if (fromOffset != null && t.partitions() > 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--from " + from
                            + " needs --partition: offsets are per partition and topic '" + topic + "' has "
                            + Text.partitions(t.partitions()));
                }
                for (int p = 0; p < t.partitions(); p++) {
                    parts.add(p);
                }
            }
            long remaining = max == null ? Long.MAX_VALUE : max;
            for (int p : parts) {
                PartitionLog pl = m.partition(topic, p);
                long start = fromOffset == null ? pl.logStartOffset() : fromOffset;
                long printed = print(pl, start, remaining, out);
                remaining -= printed;
                err.println(pl.topic() + "-" + p + ": " + Text.records(printed) + " from offset " + start
                        + " (log start " + pl.logStartOffset() + ", high watermark " + pl.highWatermark() + ")");
            }
            out.flush();
            err.flush();
        }
        if (damaged > 0) {
            throw new CliException(damaged + " damaged range(s) or batch(es) in " + topic + " were not printed; "
                    + "'sluice log verify --topic " + topic + "' lists every problem");
        }
        return CommandLine.ExitCode.OK;
    }

    /** Says which offsets cannot be printed, right where they would have been, and goes on after them. */
    private void damage(String line) {
        damaged++;
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().getOut().flush();
        err.println(line);
        err.flush();
    }

    private Long parseFrom() {
        if (from.equalsIgnoreCase(EARLIEST)) {
            return null;
        }
        try {
            long o = Long.parseLong(from.trim());
            if (o >= 0) {
                return o;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--from must be an offset (0 or more) or '"
                + EARLIEST + "', was '" + from + "'");
    }

    /** Prints up to {@code limit} records of {@code pl} from {@code offset} below its high watermark now. */
    private long print(PartitionLog pl, long offset, long limit, PrintWriter out) {
        long end = pl.highWatermark();
        if (offset < pl.logStartOffset() || offset > end) {
            throw new OffsetOutOfRangeException(pl.topic(), pl.partition(), offset, pl.logStartOffset(), end);
        }
        long next = offset;
        long printed = 0;
        while (next < end && printed < limit) {
            ReadResult r;
            try {
                r = pl.read(next, READ_BYTES); // OffsetOutOfRangeException names the readable range
            } catch (LogDamageException e) {
                damage(e.getMessage());
                next = e.range().to();
                continue;
            }
            if (r.isEmpty()) {
                break;
            }
            for (RecordBatch batch : r.records().batches()) {
                try {
                    batch.ensureValid(); // the server leaves this to the client; a reader of the files must do it
                } catch (CorruptRecordException | InvalidRecordException e) {
                    damage(pl.topic() + "-" + pl.partition() + ": " + Text.offsets(batch.baseOffset(), batch.lastOffset())
                            + " damaged, not printed: " + e.getMessage());
                    next = Math.max(next, batch.lastOffset() + 1);
                    continue;
                }
                for (Record rec : batch) {
                    if (rec.offset() < next || rec.offset() >= end) {
                        continue; // the first batch may start before the requested offset
                    }
                    if (printed == limit) {
                        return printed;
                    }
                    out.println(format(pl, batch, rec));
                    printed++;
                }
                next = Math.max(next, batch.lastOffset() + 1);
                if (out.checkError()) {
                    throw new CliException("cannot write to standard output (closed pipe?); stopped at offset "
                            + next + " of " + pl.topic() + "-" + pl.partition());
                }
                if (next >= end) {
                    break;
                }
            }
        }
        return printed;
    }

    private String format(PartitionLog pl, RecordBatch batch, Record r) {
        String key = r.hasKey() ? utf8(r.key()) : null;
        String value = r.hasValue() ? utf8(r.value()) : null;
        if (format == Format.json) {
            StringBuilder b = new StringBuilder(64 + (value == null ? 0 : value.length()));
            b.append("{\"topic\":").append(Text.json(pl.topic()))
                    .append(",\"partition\":").append(pl.partition())
                    .append(",\"offset\":").append(r.offset())
                    .append(",\"timestamp\":").append(r.timestamp())
                    .append(",\"timestampType\":").append(Text.json(batch.timestampType().name))
                    .append(",\"key\":").append(Text.json(key))
                    .append(",\"value\":").append(Text.json(value))
                    .append(",\"headers\":[");
            Header[] headers = r.headers();
            for (int i = 0; i < headers.length; i++) {
                b.append(i == 0 ? "" : ",").append("{\"key\":").append(Text.json(headers[i].key()))
                        .append(",\"value\":").append(Text.json(headers[i].value() == null ? null
                                : new String(headers[i].value(), StandardCharsets.UTF_8))).append('}');
            }
            return b.append("]}").toString();
        }
        StringBuilder b = new StringBuilder();
        b.append("partition:").append(pl.partition())
                .append("\toffset:").append(r.offset())
                .append('\t').append(batch.timestampType().name).append(':').append(r.timestamp())
                .append("\tkey:").append(key)
                .append("\tvalue:").append(value);
        for (Header h : r.headers()) {
            b.append("\theader:").append(h.key()).append('=')
                    .append(h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
