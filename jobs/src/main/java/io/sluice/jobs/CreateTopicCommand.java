package io.sluice.jobs;

import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice log create-topic}. */
@Command(name = "create-topic", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = {"Create a topic.",
            "Its config overrides are the --config values; they are stored with the topic and win over the "
                    + "topic.defaults of --config-file."})
final class CreateTopicCommand implements Callable<Integer> {
    @Mixin
    LogOptions log;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC",
            description = "Topic name: ASCII letters, digits, '.', '_' and '-'.")
    String topic;

    @Option(names = "--partitions", defaultValue = "1", paramLabel = "N", description = "Partition count (default: 1).")
    int partitions;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "A topic config under Kafka's name, e.g. --config cleanup.policy=compact (repeatable).")
    Map<String, String> config = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (partitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1, was "
                    + partitions);
        }
        try (LogManager m = log.open()) {
            TopicDescription t = m.createTopic(topic, partitions, config);
            PrintWriter out = spec.commandLine().getOut();
            out.println("created topic " + t.name() + " (" + Text.partitions(t.partitions()) + ", id " + t.topicId()
                    + ", config " + Text.config(t.config().overrides()) + ") in " + log.dataDir());
            out.flush();
        }
        return CommandLine.ExitCode.OK;
    }
}
