package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.PartitionVerifier;
import io.sluice.log.TopicDescription;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice log verify}: reads every batch of a log and reports what is damaged. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Read every batch of a topic (or of every topic) and report damage: a batch whose CRC does not "
                + "match, offsets that go backwards, an offset index that leads elsewhere, a segment that ends inside a "
                + "batch, and the damaged ranges found when the log was opened (a segment missing or cut short).",
            "One line per partition on standard output ('sound' or its problem count), one line per problem on "
                    + "standard error. Exit code 0 when everything is sound, 1 when something is damaged. Stop the server "
                    + "first: this opens the data directory itself."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    LogOptions log;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Only this topic (default: every topic).")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "Only this partition of --topic.")
    Integer partition;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (partition != null && topic == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partition needs --topic");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int damaged = 0;
        try (LogManager m = log.openExisting()) {
            List<PartitionLog> partitions = new ArrayList<>();
            if (topic != null) {
                TopicDescription t = log.topic(m, topic);
                int from = partition == null ? 0 : LogOptions.checkPartition(t, partition);
                int to = partition == null ? t.partitions() : partition + 1;
                for (int p = from; p < to; p++) {
                    partitions.add(m.partition(topic, p));
                }
            } else if (m != null) {
                for (TopicDescription t : m.topics()) {
                    partitions.addAll(m.partitions(t.name()));
                }
            }
            for (PartitionLog p : partitions) {
                PartitionVerifier.Result r = PartitionVerifier.verify(p);
                out.println(r.partition() + "\t" + Text.batches(r.batches()) + ", " + Text.records(r.records()) + ", "
                        + r.bytes() + " bytes\t" + (r.sound() ? "sound" : r.problems().size() + " problem(s)"));
                out.flush();
                for (PartitionVerifier.Problem problem : r.problems()) {
                    err.println(r.partition() + ": " + problem);
                }
                err.flush();
                if (!r.sound()) {
                    damaged++;
                }
            }
        }
        if (damaged > 0) {
            throw new CliException(damaged + " damaged partition(s) in " + log.dataDir() + "; see the lines above");
        }
        return CommandLine.ExitCode.OK;
    }
}
