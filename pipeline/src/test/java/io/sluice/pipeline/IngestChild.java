package io.sluice.pipeline;

import io.sluice.sink.CommitHook;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion job as a process of its own, for tests that kill it: an {@link IngestionJob} on an embedded Flink
 * (parallelism 2, a checkpoint a second, commits every second) reading one topic into a table under a warehouse,
 * until the process is killed or told to stop (SIGTERM closes the job).
 *
 * <p>Arguments, {@code key=value}: {@code bootstrap}, {@code registry}, {@code warehouse} (a full URI),
 * {@code topic}; optionally {@code halt=AFTER_FILES|AFTER_JOURNAL}, {@code nth} and {@code report} to install a
 * {@link HaltingCommitHook}.
 */
final class IngestChild {
    private static final Logger LOG = LoggerFactory.getLogger(IngestChild.class);
    static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** Printed once the job is submitted, for the log. */
    static final String STARTED = "INGEST CHILD STARTED";

    private IngestChild() {}

    /** The tables of the child's warehouse; the test reads them with the same specs. */
    static TableResolver tables(String warehouseUri) {
        return TableResolver.underWarehouse(warehouseUri,
                TableSpec.builder("template", warehouseUri + "/template").commitInterval(COMMIT_INTERVAL).build());
    }

    static SluiceIngest ingest(String bootstrap, String registryUrl, String warehouseUri, String topic,
                               CommitHook hook) {
        return SluiceIngest.create()
                .withBootstrapServers(bootstrap)
                .withTopics(List.of(topic))
                .withSchemaRegistryUrl(registryUrl)
                .withTables(tables(warehouseUri))
                .withHadoopConfiguration(IngestEnvironment.HADOOP)
                .withCommitHook(hook);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are key=value, not '" + arg + "'");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        CommitHook hook = CommitHook.NONE;
        if (a.containsKey("halt")) {
            hook = new HaltingCommitHook(HaltingCommitHook.Point.valueOf(a.get("halt")),
                    Integer.parseInt(required(a, "nth")), Path.of(required(a, "report")));
        }
        SluiceIngest ingest = ingest(required(a, "bootstrap"), required(a, "registry"), required(a, "warehouse"),
                required(a, "topic"), hook);
        IngestionJob job = IngestionJob.builder(ingest).runner(IngestionJob.Runner.FLINK).flinkMaster("[local]")
                .parallelism(2).checkpointingInterval(CHECKPOINT_INTERVAL).discoveryInterval(Duration.ofSeconds(5))
                .build();
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("terminated: closing the job");
            try {
                job.close();
            } finally {
                closed.countDown();
            }
        }, "ingest-child-shutdown"));
        job.start();
        System.out.println(STARTED + " (hook " + a.getOrDefault("halt", "none") + " " + a.getOrDefault("nth", "")
                + ")");
        System.out.flush();
        closed.await();
    }

    private static String required(Map<String, String> args, String key) {
        String v = args.get(key);
        if (v == null) {
            throw new IllegalArgumentException("argument " + key + "=... is required; given " + args.keySet());
        }
        return v;
    }
}
