package io.sluice.pipeline.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Which Beam runner runs a pipeline, and how. Immutable. {@link #toArgs} gives the Beam arguments; the
 * Flink-only settings (master, checkpointing, bundles, restarts) are left out for the DirectRunner, so that
 * a file written for Flink also runs on the DirectRunner when {@code runner.type} is overridden.
 *
 * @param flinkMaster           {@code [local]} (an embedded Flink, the default), {@code [auto]}, or the
 *                              host:port of a remote cluster's JobManager
 * @param parallelism           empty for the runner's default
 * @param checkpointingInterval Flink checkpoints; always on (exactly-once needs them)
 * @param maxBundleSize         Flink: most elements per bundle, empty for the runner's default
 * @param maxBundleTimeMs       Flink: longest bundle in ms, empty for the runner's default
 * @param restartAttempts       Flink: how often a failed job restarts, empty for Flink's default
 *                              (with checkpointing: without limit)
 * @param extra                 raw Beam arguments ({@code --key=value}), passed last
 */
public record RunnerConfig(Type type, String flinkMaster, OptionalInt parallelism, Duration checkpointingInterval,
                           OptionalLong maxBundleSize, OptionalLong maxBundleTimeMs, OptionalInt restartAttempts,
                           List<String> extra) {

    public enum Type {
        FLINK("FlinkRunner"), DIRECT("DirectRunner");

        private final String runnerName;

        Type(String runnerName) {
            this.runnerName = runnerName;
        }

        /** Beam's name of the runner, as {@code --runner=} takes it. */
        public String runnerName() {
            return runnerName;
        }
    }

    public static final String LOCAL_FLINK = "[local]";

    /**
     * Where Flink keeps checkpoints unless {@code extra} sets {@code --stateBackendStoragePath}: a local
     * directory, right for an embedded Flink; a remote cluster needs a path all its nodes share (hdfs://…).
     */
    public static String defaultCheckpointDir(String jobName) {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "sluice-checkpoints", jobName).toUri().toString();
    }

    /**
     * Beam options that {@link #toArgs} sets, each with the key of the pipeline file that sets it;
     * {@code extra} may not set them again.
     */
    public static final Map<String, String> GENERATED_OPTIONS = Map.of(
            "runner", "runner.type",
            "jobName", "name",
            "streaming", "nothing (a Sluice pipeline is always streaming)",
            "flinkMaster", "runner.flink-master",
            "parallelism", "runner.parallelism",
            "targetParallelism", "runner.parallelism",
            "checkpointingInterval", "runner.checkpointing-interval",
            "maxBundleSize", "runner.max-bundle-size",
            "maxBundleTimeMills", "runner.max-bundle-time-ms",
            "numberOfExecutionRetries", "runner.restart-attempts");

    public RunnerConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(flinkMaster, "flinkMaster");
        Objects.requireNonNull(parallelism, "parallelism");
        Objects.requireNonNull(checkpointingInterval, "checkpointingInterval");
        Objects.requireNonNull(maxBundleSize, "maxBundleSize");
        Objects.requireNonNull(maxBundleTimeMs, "maxBundleTimeMs");
        Objects.requireNonNull(restartAttempts, "restartAttempts");
        extra = List.copyOf(extra);
    }

    /**
     * The Beam arguments of a streaming job named {@code jobName}: the runner's own options first, then
     * {@link #extra}. Beam refuses an option given twice, hence {@link #GENERATED_OPTIONS}.
     */
    public String[] toArgs(String jobName) {
        List<String> args = new ArrayList<>();
        args.add("--runner=" + type.runnerName());
        args.add("--jobName=" + jobName);
        args.add("--streaming=true");
        if (type == Type.FLINK) {
            args.add("--flinkMaster=" + flinkMaster);
            args.add("--checkpointingInterval=" + checkpointingInterval.toMillis());
            parallelism.ifPresent(p -> args.add("--parallelism=" + p));
            maxBundleSize.ifPresent(n -> args.add("--maxBundleSize=" + n));
            maxBundleTimeMs.ifPresent(n -> args.add("--maxBundleTimeMills=" + n)); // sic: Beam's spelling
            restartAttempts.ifPresent(n -> args.add("--numberOfExecutionRetries=" + n));
            // the commit step buffers records in Beam state between commits: more than the 5 MB Flink's default
            // memory state backend checkpoints, so state goes to files unless extra chooses otherwise
            if (!extraSets("objectReuse")) {
                args.add("--objectReuse=true"); // Sluice's steps never change an element after emitting it
            }
            // Beam reads the storage path only with a backend named, and a backend only with a path: each of the two
            // that extra leaves out is filled in (a --stateBackendFactory of the user's replaces both)
            if (!extraSets("stateBackendFactory")) {
                if (!extraSets("stateBackend")) {
                    args.add("--stateBackend=filesystem");
                }
                if (!extraSets("stateBackendStoragePath")) {
                    args.add("--stateBackendStoragePath=" + defaultCheckpointDir(jobName));
                }
            }
        } else {
            parallelism.ifPresent(p -> args.add("--targetParallelism=" + p));
        }
        args.addAll(extra);
        return args.toArray(String[]::new);
    }

    /** Whether {@link #extra} sets the Beam option {@code name} ({@code --name=...} or {@code --name}). */
    private boolean extraSets(String name) {
        for (String a : extra) {
            String key = a.startsWith("--") ? a.substring(2) : a;
            int eq = key.indexOf('=');
            if ((eq < 0 ? key : key.substring(0, eq)).equals(name)) {
                return true;
            }
        }
        return false;
    }
}
