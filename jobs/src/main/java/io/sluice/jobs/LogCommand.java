package io.sluice.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sluice log}: the commit log in a local data directory, used directly (no server). */
@Command(name = "log",
        mixinStandardHelpOptions = true,
        versionProvider = SluiceCli.Version.class,
        description = {"Work with the commit log in a data directory (default ./data/log) directly, without a server.",
            "Each command opens the log, does its work and closes it cleanly; one process at a time may open a "
                    + "data directory."},
        subcommands = {CreateTopicCommand.class, AppendCommand.class, ReadCommand.class, TopicsCommand.class,
            OffsetsCommand.class, VerifyCommand.class})
final class LogCommand implements Callable<Integer> {
    @ParentCommand
    SluiceCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
