package io.sluice.sink.internals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Optional;

/**
 * This process as a claim or a writer records it (host, pid, start time), and whether a process recorded so on this
 * host is gone. A process on another host cannot be asked; its claim lapses by time instead.
 */
public final class HostProcess {
    private static final String HOST = resolveHost();
    private static final long PID = ProcessHandle.current().pid();
    private static final long START = startOf(ProcessHandle.current());

    private HostProcess() {}

    public static String host() {
        return HOST;
    }

    public static long pid() {
        return PID;
    }

    /** When this process started (epoch ms), or -1 if the platform does not say. */
    public static long start() {
        return START;
    }

    /**
     * Whether the process {@code pid} that started at {@code start} on {@code host} certainly no longer runs: the host
     * is this one and no process has that pid, or the one that has it started at another time (the pid was reused).
     */
    public static boolean certainlyGone(String host, long pid, long start) {
        if (!HOST.equals(host) || pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return true;
        }
        long actual = startOf(p.get());
        // start times are known to the millisecond on Linux only after rounding: allow a second
        return start > 0 && actual > 0 && Math.abs(actual - start) > 1000;
    }

    private static long startOf(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private static String resolveHost() {
        String env = System.getenv("HOSTNAME");
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return env != null && !env.isBlank() ? env : "unknown-host";
        }
    }
}
