package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicDescription;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice log topics}: every topic of the data directory with its partitions. */
@Command(name = "topics", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"List the topics of the data directory with their partitions.",
            "Per topic: partition count, topic id and config overrides; per partition: log start offset, high "
                    + "watermark, size on disk and segment count."})
final class TopicsCommand implements Callable<Integer> {
    @Mixin
    LogOptions log;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (LogManager m = log.openExisting()) {
            List<TopicDescription> topics = m == null ? List.of() : m.topics();
            if (topics.isEmpty()) {
                out.println("no topics in " + log.dataDir());
            }
            for (TopicDescription t : topics) {
                out.println(t.name() + "\tpartitions:" + t.partitions() + "\tid:" + t.topicId() + "\tconfig:"
                        + Text.config(t.config().overrides()));
                for (PartitionLog p : m.partitions(t.name())) {
                    out.println("  " + t.name() + "-" + p.partition() + "\tlog-start:" + p.logStartOffset()
                            + "\thigh-watermark:" + p.highWatermark() + "\tsize:" + p.sizeInBytes() + " bytes"
                            + "\tsegments:" + p.segmentCount());
                }
            }
            out.flush();
        }
        return CommandLine.ExitCode.OK;
    }
}
