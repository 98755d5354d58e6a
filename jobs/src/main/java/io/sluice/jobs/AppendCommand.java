package io.sluice.jobs;

import io.sluice.log.AppendResult;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicDescription;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice log append}: values from the arguments (or stdin, one per line) appended as record
 * batches to one partition; returns once they are durable and prints the offsets they got.
 */
@Command(name = "append", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Append values to a partition and print the offsets they were given once they are durable.",
            "Appends in batches of up to --batch-size records and waits until the last is fsynced.",
            "With no VALUE arguments, reads values from standard input, one per line (UTF-8).",
            "Creates the topic (with --create-partitions partitions) if it does not exist."})
final class AppendCommand implements Callable<Integer> {
    /** Upper bound of one batch's bytes, whatever max.message.bytes allows. */
    private static final int MAX_BATCH_BYTES = 8 << 20;
    private static final long DURABLE_TIMEOUT_S = 60;

    @Mixin
    LogOptions log;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to append to.")
    String topic;

    @Option(names = "--partition", paramLabel = "P",
            description = "Partition (default: the key's partition as Kafka's default partitioner picks it "
                    + "when --key is given, else 0).")
    Integer partition;

    @Option(names = "--key", paramLabel = "KEY", description = "Key of every appended record (default: none).")
    String key;

    @Option(names = "--timestamp", paramLabel = "TIME", converter = TimestampConverter.class,
            description = "CreateTime of every record: epoch milliseconds or an ISO-8601 instant (default: now).")
    Long timestamp;

    @Option(names = "--create-partitions", defaultValue = "1", paramLabel = "N",
            description = "Partitions of the topic if it has to be created (default: 1).")
    int createPartitions;

    @Option(names = "--batch-size", defaultValue = "1000", paramLabel = "N",
            description = "Most records in one batch (default: 1000); a batch also stays under max.message.bytes.")
    int batchSize;

    @Parameters(paramLabel = "VALUE", arity = "0..*", description = "Values to append (UTF-8), one record each.")
    List<String> values = new ArrayList<>();

    @ParentCommand
    LogCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (createPartitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--create-partitions must be at least 1, was " + createPartitions);
        }
        if (batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be at least 1, was "
                    + batchSize);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (LogManager m = log.open()) {
            TopicDescription t = m.topic(topic).orElse(null);
            if (t == null) {
                t = m.createTopic(topic, createPartitions, Map.of());
                out.println("created topic " + t.name() + " (" + Text.partitions(t.partitions()) + ", config "
                        + Text.config(t.config().overrides()) + ") in " + log.dataDir());
            }
            byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            int p = partition != null ? LogOptions.checkPartition(t, partition)
                    : keyBytes != null ? Utils.toPositive(Utils.murmur2(keyBytes)) % t.partitions() : 0;
            PartitionLog target = m.partition(topic, p);
            append(target, source(), keyBytes, out);
        }
        return CommandLine.ExitCode.OK;
    }

    private Iterator<String> source() {
        if (!values.isEmpty()) {
            return values.iterator();
        }
        if (System.console() != null && parent.root.in() == System.in) {
            spec.commandLine().getErr().println("reading values from standard input, one per line (end with Ctrl-D)");
        }
        return new BufferedReader(new InputStreamReader(parent.root.in(), StandardCharsets.UTF_8)).lines().iterator();
    }

    private void append(PartitionLog target, Iterator<String> source, byte[] keyBytes, PrintWriter out)
            throws InterruptedException {
        String where = target.topic() + "-" + target.partition();
        int limit = Math.min(target.config().maxMessageBytes(), MAX_BATCH_BYTES);
        Appended done = new Appended();
        try {
            MemoryRecordsBuilder batch = null;
            long ts = 0;
            while (source.hasNext()) {
                byte[] value = source.next().getBytes(StandardCharsets.UTF_8);
                if (batch != null && (batch.numRecords() >= batchSize
                        || !batch.hasRoomFor(ts, keyBytes, value, Record.EMPTY_HEADERS))) {
                    done.add(target.append(batch.build()));
                    batch = null;
                }
                if (batch == null) {
                    // The first record always fits; one larger than max.message.bytes is refused by the log.
                    batch = MemoryRecords.builder(ByteBuffer.allocate(limit), Compression.NONE,
                            TimestampType.CREATE_TIME, 0L);
                    ts = timestamp != null ? timestamp : System.currentTimeMillis();
                }
                batch.append(ts, keyBytes, value);
            }
            if (batch != null) {
                done.add(target.append(batch.build()));
            }
        } catch (RuntimeException e) {
            if (done.count > 0) {
                awaitDurable(target, done.last);
                out.println("appended " + Text.records(done.count) + " to " + where + " at "
                        + Text.offsets(done.first, done.last) + " (durable) before the error");
                out.flush();
            }
            throw e;
        }
        if (done.count == 0) {
            out.println("appended 0 records to " + where + " (no values given)");
        } else {
            awaitDurable(target, done.last);
            out.println("appended " + Text.records(done.count) + " to " + where + " at "
                    + Text.offsets(done.first, done.last) + " (durable)");
        }
        out.flush();
    }

    /** The offsets the appends so far were given (contiguous: this process holds the data directory's lock). */
    private static final class Appended {
        long first = -1;
        long last = -1;
        long count;

        void add(AppendResult r) {
            first = first < 0 ? r.firstOffset() : first;
            last = r.lastOffset();
            count += r.lastOffset() - r.firstOffset() + 1;
        }
    }

    private static void awaitDurable(PartitionLog target, long offset) throws InterruptedException {
        try {
            target.awaitDurable(offset).get(DURABLE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new CliException("waiting for offset " + offset + " of " + target.topicPartition()
                    + " to become durable failed: " + cause);
        } catch (TimeoutException e) {
            throw new CliException("offset " + offset + " of " + target.topicPartition() + " was not durable after "
                    + DURABLE_TIMEOUT_S + " s (high watermark " + target.highWatermark() + ")");
        }
    }
}
