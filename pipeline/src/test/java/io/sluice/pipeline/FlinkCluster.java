package io.sluice.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A real Flink session cluster of separate JVMs on 127.0.0.1, started from Flink's own classes on the test class
 * path (no Flink distribution): one JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers
 * ({@code TaskManagerRunner}), all reading one configuration directory. Jobs are submitted to its REST address, as
 * to any remote cluster. The TaskManagers have every class of the test class path, so a job stages only a tiny jar;
 * {@code classloader.resolve-order: parent-first} makes the job's classes the TaskManager's own. Heartbeats time out
 * after 5 s, so a TaskManager that is killed or frozen is noticed quickly. Closing kills every process.
 */
final class FlinkCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int restPort;
    private final ChildJvm jobManager;
    private final List<ChildJvm> taskManagers = new ArrayList<>();

    private FlinkCluster(Path dir, int restPort, ChildJvm jobManager) {
        this.dir = dir;
        this.restPort = restPort;
        this.jobManager = jobManager;
    }

    static FlinkCluster start(Path dir, int taskManagers, int slotsEach) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        int rpcPort = freePort();
        int restPort = freePort();
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + rpcPort,
                "jobmanager.bind-host: 127.0.0.1",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: " + slotsEach,
                // a TaskManager started without Flink's scripts must be told its resources
                "taskmanager.cpu.cores: " + slotsEach,
                "taskmanager.memory.task.heap.size: 192m",
                "taskmanager.memory.task.off-heap.size: 0m",
                "taskmanager.memory.network.min: 32m",
                "taskmanager.memory.network.max: 32m",
                "taskmanager.memory.managed.size: 16m",
                "taskmanager.memory.framework.heap.size: 64m",
                "taskmanager.memory.framework.off-heap.size: 64m",
                "taskmanager.memory.jvm-metaspace.size: 192m",
                "taskmanager.memory.jvm-overhead.min: 64m",
                "taskmanager.memory.jvm-overhead.max: 64m",
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 5000",
                "classloader.resolve-order: parent-first",
                // a job's slots on every TaskManager, so that losing either one fails tasks over
                "cluster.evenly-spread-out-slots: true",
                "io.tmp.dirs: " + Files.createDirectories(dir.resolve("tmp")),
                ""));
        ChildJvm jm = ChildJvm.start("flink-jobmanager",
                Class.forName("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"),
                List.of("--configDir", conf.toString()), dir, "384m");
        FlinkCluster cluster = new FlinkCluster(dir, restPort, jm);
        try {
            for (int i = 0; i < taskManagers; i++) {
                cluster.taskManagers.add(ChildJvm.start("flink-taskmanager-" + i,
                        Class.forName("org.apache.flink.runtime.taskexecutor.TaskManagerRunner"),
                        List.of("--configDir", conf.toString()), dir, "384m"));
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The JobManager's REST address, as {@code --flinkMaster} takes it. */
    String master() {
        return "127.0.0.1:" + restPort;
    }

    List<ChildJvm> taskManagers() {
        return taskManagers;
    }

    ChildJvm jobManager() {
        return jobManager;
    }

    /** Waits until {@code n} TaskManagers are registered with the JobManager. */
    void awaitTaskManagers(int n, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                if (get("/taskmanagers").path("taskmanagers").size() >= n) {
                    return;
                }
            } catch (IOException e) {
                // the REST endpoint is not up yet
            }
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager died\n" + jobManager.tail(60));
            }
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder(jobManager.tail(40));
                taskManagers.forEach(t -> logs.append('\n').append(t.tail(40)));
                throw new IllegalStateException(n + " TaskManagers did not register within " + patience + "\n" + logs);
            }
            Thread.sleep(250);
        }
    }

    /** The cluster's jobs: {@code {"jobs": [{"id": ..., "status": ...}]}}. */
    JsonNode jobs() throws IOException {
        return get("/jobs");
    }

    /** The failures the cluster recorded for job {@code id} (each a failover it went through). */
    int failures(String id) throws IOException {
        return get("/jobs/" + id + "/exceptions").path("exceptionHistory").path("entries").size();
    }

    private JsonNode get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + restPort + path).toURL()
                .openConnection();
        c.setConnectTimeout(2_000);
        c.setReadTimeout(5_000);
        try (InputStream in = c.getInputStream()) {
            return JSON.readTree(in);
        } finally {
            c.disconnect();
        }
    }

    /** An empty jar to stage: the TaskManagers have the job's classes on their own class path. */
    Path emptyJar() throws IOException {
        Path jar = dir.resolve("staged.jar");
        if (!Files.exists(jar)) {
            Manifest m = new Manifest();
            m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
                out.flush();
            }
        }
        return jar;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildJvm t : taskManagers) {
            t.close();
        }
        jobManager.close();
    }
}
