package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.TimestampOffset;
import io.sluice.log.TopicDescription;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice log offsets}: a topic's offset range per partition, or the offset of a point in time. */
@Command(name = "offsets", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Print the offsets of a topic's partitions, or the offset of a point in time.",
            "Per partition: the log start offset, the high watermark (one past the last durable offset) and the log "
                    + "end offset. With --timestamp: the first offset whose record timestamp is at or after it (as "
                    + "Kafka's ListOffsets finds it), or 'none' when no record is that recent."})
final class OffsetsCommand implements Callable<Integer> {
    @Mixin
    LogOptions log;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic.")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: all).")
    Integer partition;

    @Option(names = "--timestamp", paramLabel = "TIME", converter = TimestampConverter.class,
            description = "Find the first offset at or after this time: epoch milliseconds or an ISO-8601 instant.")
    Long timestamp;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (LogManager m = log.openExisting()) {
            TopicDescription t = log.topic(m, topic);
            int from = partition == null ? 0 : LogOptions.checkPartition(t, partition);
            int to = partition == null ? t.partitions() : partition + 1;
            for (int p = from; p < to; p++) {
                PartitionLog pl = m.partition(topic, p);
                String name = topic + "-" + p;
                if (timestamp == null) {
                    out.println(name + "\tlog-start:" + pl.logStartOffset() + "\thigh-watermark:" + pl.highWatermark()
                            + "\tlog-end:" + pl.logEndOffset());
                } else {
                    Optional<TimestampOffset> found = pl.offsetForTimestamp(timestamp);
                    out.println(found.map(f -> name + "\toffset:" + f.offset() + "\ttimestamp:" + f.timestamp())
                            .orElse(name + "\toffset:none\t(no record at or after " + timestamp
                                    + "; high-watermark:" + pl.highWatermark() + ")"));
                }
            }
            out.flush();
        }
        return CommandLine.ExitCode.OK;
    }
}
