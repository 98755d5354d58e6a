package io.sluice.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM running a test main class on the test's class path with the build's {@code --add-opens} flags
 * ({@code sluice.jvm.opens}, passed by surefire), its output in a log file. Closing it kills it.
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code main} with {@code args}; its output goes to {@code dir/<name>.log}, its temp files under dir. */
    static ChildJvm start(String name, Class<?> main, List<String> args, Path dir, String maxHeap) throws IOException {
        Path tmp = Files.createDirectories(dir.resolve(name + "-tmp"));
        Path log = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast rather than peak
        String opens = System.getProperty("sluice.jvm.opens", "");
        if (opens.isBlank()) {
            throw new IllegalStateException("system property sluice.jvm.opens is not set: run through Maven (the"
                    + " pipeline pom passes the parent pom's add-opens list to the tests)");
        }
        command.addAll(Arrays.asList(opens.trim().split("\\s+")));
        command.add("-Djava.io.tmpdir=" + tmp);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildJvm(name, p, log);
    }

    /** Surefire may hand the test JVM a manifest-only jar; it also publishes the real class path. */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    String name() {
        return name;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, and wait for the process to be gone. Returns its exit status. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still runs 30 s after SIGKILL");
        }
        return process.exitValue();
    }

    /** SIGTERM (the JVM runs its shutdown hooks), then SIGKILL if it has not ended within {@code patience}. */
    int terminate(Duration patience) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            return kill();
        }
        return process.exitValue();
    }

    /** Waits for the process to end by itself; null if it still runs after {@code timeout}. */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** The last {@code lines} lines of the child's output, for failure messages. */
    String tail(int lines) {
        try {
            List<String> all = List.of(Files.readString(log, StandardCharsets.ISO_8859_1).split("\n"));
            return name + " log " + log + " (last " + Math.min(lines, all.size()) + " lines):\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return name + " log " + log + " unreadable: " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? ", running" : ", exited " + process.exitValue())
                + ")";
    }
}
