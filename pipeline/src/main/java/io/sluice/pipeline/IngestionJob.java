package io.sluice.pipeline;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.pipeline.internals.LogOffsets;
import io.sluice.pipeline.internals.PipelineMetrics;
import io.sluice.pipeline.internals.TableSinks;
import io.sluice.sink.PipelineRun;
import io.sluice.sink.TableClaim;
import io.sluice.sink.TableClaimedException;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import io.sluice.sink.WarehouseCheck;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import io.sluice.pipeline.config.RunnerConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link SluiceIngest} as a long-lived job: on the DirectRunner or on Flink (embedded with
 * {@code flinkMaster = "[local]"}, or a remote cluster by address), and keeps it matching the log.
 *
 * <ul>
 *   <li>It is one {@link PipelineRun}: at start it claims every table it writes ({@link TableClaim}), refused with
 *       one line naming the holder while another live run holds one (unless {@link Builder#takeOver}), renews the
 *       claims while it runs and releases them when it closes. When another run takes a table over, this job stops
 *       its pipeline and ends ({@link #failure()}).</li>
 *   <li>Before every start it recovers each table (finishing or undoing a commit cut short) and compares the
 *       table's journal with the log start offset: if retention deleted records that were never ingested, the table
 *       is stopped with the exact gap and its topics are left out of the read (the other tables go on). Recovery
 *       registers a writer per source partition, which fences every writer of the previous start (a cancelled
 *       pipeline's tasks may still be committing), then retires it.</li>
 *   <li>Every {@code discoveryInterval} it resolves the topics again (KafkaIO's classic reader fixes the topic
 *       set and the partitions at launch); when a topic or a partition was added or removed it cancels the
 *       pipeline, waits for it to end, and starts it again. Resuming from the journals makes that safe: records
 *       buffered but not committed are read again, those committed are not.</li>
 *   <li>A pipeline that ends by itself (a failure the runner did not absorb) is started again the same way. Only a
 *       real end counts: a runner that cannot be asked for the state (a remote JobManager out of reach) is asked
 *       again, never answered by a second pipeline beside the first.</li>
 *   <li>It publishes each partition's lag (log end offset minus journal next offset) as a Dropwizard gauge
 *       {@code sluice.lag.<table>.<topic>-<partition>} and answers {@link #isCaughtUp()}.</li>
 *   <li>With {@link Builder#audit}, it publishes the sink tier of the audit every publish interval and at close:
 *       each journal head's cumulative counts, under the source partition's instance id with the journal's sequence
 *       number (see {@link SinkAuditPublisher}). It reads the journals from the FileSystem, so it does this in the
 *       launcher whatever runner commits, and a commit whose publish a crash prevented is published by the next
 *       run.</li>
 * </ul>
 *
 * <pre>{@code
 * try (IngestionJob job = IngestionJob.builder(ingest).runner(IngestionJob.Runner.FLINK).build()) {
 *     job.start();
 *     job.awaitCaughtUp(Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * Thread-safe: the discovery and lag work runs on one thread of its own; the public methods may be called from
 * any thread.
 */
public final class IngestionJob implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestionJob.class);
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);

    /** The runners a job can use. The DirectRunner must be on the classpath to use it (it is a test dependency). */
    public enum Runner { DIRECT, FLINK }

    private final SluiceIngest ingest;
    private final Supplier<PipelineOptions> options;
    private final Duration discoveryInterval;
    private final String description;
    private final AuditConfig audit;
    private final PipelineRun run;
    private final boolean takeOver;
    private final Duration claimLease;
    private SinkAuditReporter auditReporter;
    /** The claims this run holds, by table name. */
    private final Map<String, TableClaim> claims = new ConcurrentHashMap<>();
    private final CompletableFuture<String> failure = new CompletableFuture<>();

    private final Object lock = new Object();
    private ScheduledExecutorService scheduler;
    private LogOffsets log;
    private PipelineResult running;
    /** What the log held at the last start (before leaving out stopped tables): a change means a restart. */
    private Map<String, Integer> resolved = Map.of();
    /** The topics the running pipeline reads, with their partition counts. */
    private volatile Map<String, Integer> reading = Map.of();
    private final Map<String, String> stopped = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();
    private volatile int starts;
    private volatile boolean closed;

    private IngestionJob(Builder b) {
        b.ingest.validate();
        this.ingest = b.ingest;
        this.discoveryInterval = b.discoveryInterval;
        this.options = b.optionsSupplier();
        this.description = b.describe();
        this.audit = b.audit;
        this.run = PipelineRun.claimed(b.name);
        this.takeOver = b.takeOver;
        this.claimLease = b.claimLease;
    }

    public static Builder builder(SluiceIngest ingest) {
        return new Builder(ingest);
    }

    /**
     * Resolves the topics, recovers the tables and starts the pipeline (if any topic is readable yet), then keeps
     * re-resolving in the background. Returns once the pipeline is submitted.
     */
    public void start() {
        synchronized (lock) {
            if (scheduler != null) {
                throw new IllegalStateException("job already started");
            }
            if (closed) {
                throw new IllegalStateException("job is closed");
            }
            for (String root : ingest.tables().roots()) {
                // a wrong path is found now, not when the first record of a topic created later arrives
                WarehouseCheck.requireWritable(root, ingest.hadoopConfiguration());
            }
            log = new LogOffsets(ingest.bootstrapServers(), ingest.consumerConfig());
            Map<String, Integer> topics = log.resolve(ingest.topics(), ingest.topicPattern());
            try {
                for (String topic : topics.keySet()) {
                    claim(ingest.tables().tableFor(topic));
                }
            } catch (RuntimeException e) {
                releaseClaims();
                log.close();
                log = null;
                throw e;
            }
            launch(topics);
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-ingestion-job");
                t.setDaemon(true);
                return t;
            });
            long every = discoveryInterval.toMillis();
            scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
            long renewEvery = Math.max(1_000, claimLease.toMillis() / 4);
            scheduler.scheduleWithFixedDelay(this::renewClaims, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
            if (audit != null) {
                auditReporter = new SinkAuditReporter(ingest, audit);
                long publishEvery = audit.publishInterval().toMillis();
                scheduler.scheduleWithFixedDelay(this::publishAuditQuietly, publishEvery, publishEvery,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Claims {@code spec}'s table for this run unless it holds it already. */
    private void claim(TableSpec spec) {
        if (claims.containsKey(spec.name())) {
            return;
        }
        TableSink sink = TableSinks.sink(spec, ingest.hadoopConfiguration(), ingest.schemaRegistryUrl(),
                ingest.commitHook());
        TableClaim claim = sink.claim(run, takeOver, claimLease);
        claims.put(spec.name(), claim);
        LOG.info("run {} of pipeline {} holds table {} (claim {})", run.shortId(), run.pipeline(), spec.name(),
                claim.holder().generation());
    }

    /** Says this run is alive on every table it holds; stops the job if another run took one over. */
    private void renewClaims() {
        try {
            for (TableClaim c : claims.values()) {
                if (!c.renew()) {
                    var now = c.current();
                    String why = "table " + c.table() + " was taken over by "
                            + (now == null ? "another run" : now.describe()) + "; this pipeline stopped";
                    LOG.error("run {} of pipeline {}: {}", run.shortId(), run.pipeline(), why);
                    synchronized (lock) {
                        claims.remove(c.table());
                        if (!closed) {
                            stopPipeline();
                        }
                    }
                    failure.complete(why);
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("renewing the claims failed; trying again (each lasts {})", claimLease, e);
        }
    }

    private void releaseClaims() {
        for (TableClaim c : claims.values()) {
            try {
                c.release();
            } catch (RuntimeException e) {
                LOG.warn("releasing the claim on table {} failed; it lapses in {}", c.table(), claimLease, e);
            }
        }
        claims.clear();
    }

    /**
     * Completes with one line saying why, when the job stopped by itself for good: another run took one of its tables
     * over. Never completes for a job that is closed or keeps running.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    /** The pipeline run this job is. */
    public PipelineRun run() {
        return run;
    }

    private void publishAuditQuietly() {
        try {
            synchronized (lock) {
                if (!closed) {
                    publishAudit();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("publishing the sink audit failed; trying again in {}", audit.publishInterval(), e);
        }
    }

    /** Publishes the sink tier of every table being read. Caller holds {@code lock}. */
    private void publishAudit() {
        if (auditReporter != null && log != null) {
            auditReporter.publish(log, reading);
        }
    }

    private void tick() {
        try {
            synchronized (lock) {
                if (closed || failure.isDone()) {
                    return;
                }
                Map<String, Integer> now = log.resolve(ingest.topics(), ingest.topicPattern());
                if (!now.equals(resolved)) {
                    LOG.info("topics changed from {} to {}: restarting the pipeline", resolved, now);
                    stopPipeline();
                    launch(now);
                } else if (running != null) {
                    RunnerState state = RunnerState.of(running);
                    if (state == RunnerState.ENDED) {
                        LOG.warn("the pipeline ended by itself ({}): starting it again from the journals",
                                stateOf(running));
                        stopPipeline();
                        launch(now);
                    } else if (state == RunnerState.UNKNOWN) {
                        LOG.warn("the runner could not say whether the pipeline runs ({}); asking again in {}",
                                stateOf(running), discoveryInterval);
                    }
                }
                refreshLag();
            }
        } catch (RuntimeException e) {
            LOG.warn("topic discovery or lag update failed; trying again in {}", discoveryInterval, e);
        }
    }

    /** Recovers the tables of {@code topics}, stops those with a retention gap, and runs the rest. */
    private void launch(Map<String, Integer> topics) {
        resolved = Map.copyOf(topics);
        Map<String, List<String>> topicsByTable = new TreeMap<>();
        Map<String, TableSpec> specs = new HashMap<>();
        for (String topic : topics.keySet()) {
            TableSpec spec = ingest.tables().tableFor(topic);
            specs.put(spec.name(), spec);
            topicsByTable.computeIfAbsent(spec.name(), k -> new ArrayList<>()).add(topic);
        }
        Map<String, Integer> readable = new TreeMap<>();
        for (Map.Entry<String, List<String>> t : topicsByTable.entrySet()) {
            TableSpec spec = specs.get(t.getKey());
            Map<String, Integer> tableTopics = new LinkedHashMap<>();
            t.getValue().forEach(topic -> tableTopics.put(topic, topics.get(topic)));
            String reason;
            try {
                claim(spec); // a table that appeared with a new topic
                reason = prepare(spec, tableTopics);
            } catch (TableClaimedException e) {
                reason = e.getMessage();
            }
            if (reason == null) {
                readable.putAll(tableTopics);
                stopped.remove(spec.name());
            } else {
                stopped.put(spec.name(), reason);
                LOG.error("table {} is stopped and not read (topics {}): {}", spec.name(), t.getValue(), reason);
            }
        }
        reading = Map.copyOf(readable);
        registerLagGauges();
        if (readable.isEmpty()) {
            LOG.info("no readable topic yet (resolved {}, stopped tables {}); waiting", topics.keySet(),
                    stopped.keySet());
            running = null;
            return;
        }
        Pipeline pipeline = Pipeline.create(options.get());
        pipeline.apply("SluiceIngest", ingest.withRun(run).withResolvedTopics(new ArrayList<>(readable.keySet())));
        starts++;
        LOG.info("starting pipeline #{} of run {} on {} reading {}", starts, run.shortId(), description, readable);
        running = pipeline.run();
    }

    /**
     * Opens the table afresh from the FileSystem, recovers it and checks its journals against the log start
     * offsets. Returns null when the table can be read, else why it is stopped.
     */
    private String prepare(TableSpec spec, Map<String, Integer> topics) {
        TableSinks.forget(spec);
        TableSink sink = TableSinks.sink(spec, ingest.hadoopConfiguration(), ingest.schemaRegistryUrl(),
                ingest.commitHook());
        sink.recover(run);
        if (sink.stoppedReason().isPresent()) {
            return sink.stoppedReason().get();
        }
        List<TopicPartition> partitions = LogOffsets.partitions(topics);
        Map<TopicPartition, Long> logStart = log.earliest(partitions);
        List<String> gaps = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            long next = sink.nextOffset(tp);
            long start = logStart.getOrDefault(tp, 0L);
            if (next >= 0 && next < start) {
                gaps.add("offsets " + next + ".." + (start - 1) + " of " + tp
                        + " were deleted by retention before they were ingested");
            }
        }
        if (gaps.isEmpty()) {
            // every source partition that holds records must commit before a time partition can close
            Map<TopicPartition, Long> logEnd = log.latest(partitions);
            List<TopicPartition> withData = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (logEnd.getOrDefault(tp, 0L) > logStart.getOrDefault(tp, 0L)) {
                    withData.add(tp);
                }
            }
            sink.expectSources(withData);
            return null;
        }
        String reason = String.join("; ", gaps);
        sink.stop(reason);
        return reason;
    }

    private void stopPipeline() {
        PipelineResult r = running;
        running = null;
        if (r == null) {
            return;
        }
        try {
            if (RunnerState.of(r) != RunnerState.ENDED) {
                r.cancel();
            }
        } catch (Exception e) {
            LOG.warn("cancelling the pipeline failed; waiting for it to end anyway", e);
        }
        long deadline = System.nanoTime() + STOP_PATIENCE.toNanos();
        while (RunnerState.of(r) != RunnerState.ENDED) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pipeline did not end within " + STOP_PATIENCE
                        + " of being cancelled; not starting a second one beside it");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the pipeline to end", e);
            }
        }
    }

    /** What the runner says of a pipeline. */
    enum RunnerState {
        RUNNING,
        ENDED,
        /** The runner could not be asked (a remote JobManager out of reach): not a reason to start a second one. */
        UNKNOWN;

        /**
         * A terminal state is an end. So is an embedded Flink that can no longer be asked because its per-job
         * mini-cluster shut down, which it does when the job ends. Any other error says nothing.
         */
        static RunnerState of(PipelineResult r) {
            try {
                PipelineResult.State s = r.getState();
                return s != null && s.isTerminal() ? ENDED : RUNNING;
            } catch (RuntimeException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof IllegalStateException && String.valueOf(t.getMessage())
                            .contains("MiniCluster is not yet running or has already been shut down")) {
                        return ENDED;
                    }
                }
                return UNKNOWN;
            }
        }
    }

    private static String stateOf(PipelineResult r) {
        try {
            return String.valueOf(r.getState());
        } catch (RuntimeException e) {
            return "unknown: " + e;
        }
    }

    private void refreshLag() {
        Map<String, Integer> topics = reading;
        List<TopicPartition> partitions = LogOffsets.partitions(topics);
        Map<TopicPartition, Long> end = log.latest(partitions);
        Map<TopicPartition, Long> start = log.earliest(partitions);
        for (TopicPartition tp : partitions) {
            long next = journalNext(tp);
            long from = next >= 0 ? next : start.getOrDefault(tp, 0L);
            lag.put(tp, Math.max(0, end.getOrDefault(tp, 0L) - from));
            if (end.getOrDefault(tp, 0L) > start.getOrDefault(tp, 0L)) {
                // a partition that has records now holds the table's partition closing until it commits
                TableSinks.sink(ingest.tables().tableFor(tp.topic()), ingest.hadoopConfiguration(),
                        ingest.schemaRegistryUrl(), ingest.commitHook()).expectSources(List.of(tp));
            }
        }
        lag.keySet().retainAll(partitions);
    }

    private long journalNext(TopicPartition tp) {
        return sinkOf(tp).nextOffset(tp);
    }

    private TableSink sinkOf(TopicPartition tp) {
        TableSpec spec = ingest.tables().tableFor(tp.topic());
        return TableSinks.sink(spec, ingest.hadoopConfiguration(), ingest.schemaRegistryUrl(), ingest.commitHook());
    }

    private void registerLagGauges() {
        MetricRegistry registry = PipelineMetrics.registry();
        for (TopicPartition tp : LogOffsets.partitions(reading)) {
            String name = MetricRegistry.name("sluice.lag", ingest.tables().tableFor(tp.topic()).name(),
                    tp.toString());
            if (gauges.add(name)) {
                registry.remove(name);
                registry.register(name, (Gauge<Long>) () -> lag.getOrDefault(tp, -1L));
            }
        }
    }

    /**
     * Whether every partition of every table being read is committed up to the log's current end offset (the
     * journal's next offset is at or past it) and the files of that commit are in place, so readers see them. Tables that are stopped do not count; see {@link #stoppedTables}.
     * A partition never committed is caught up only while it is empty.
     */
    public boolean isCaughtUp() {
        LogOffsets l;
        Map<String, Integer> topics;
        synchronized (lock) {
            if (log == null) {
                return false;
            }
            l = log;
            topics = reading;
        }
        List<TopicPartition> partitions = LogOffsets.partitions(topics);
        Map<TopicPartition, Long> end;
        Map<TopicPartition, Long> start;
        synchronized (lock) {
            end = l.latest(partitions);
            start = l.earliest(partitions);
        }
        for (TopicPartition tp : partitions) {
            long next = journalNext(tp);
            long logEnd = end.getOrDefault(tp, 0L);
            // committed up to the log's end, and that commit's files placed: a reader sees every record
            boolean caughtUp = next >= 0 ? next >= logEnd && sinkOf(tp).newestCommitPlaced(tp)
                    : logEnd <= start.getOrDefault(tp, 0L);
            if (!caughtUp) {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #isCaughtUp()}; returns false if {@code timeout} passes first. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (isCaughtUp()) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.debug("checking whether the job caught up failed; trying again", e);
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
    }

    /** The topics the running pipeline reads, with their partition counts. */
    public Map<String, Integer> readingTopics() {
        return reading;
    }

    /** Tables left out of the read because they are stopped, with the reason. */
    public Map<String, String> stoppedTables() {
        return Map.copyOf(stopped);
    }

    /** How many times a pipeline was started (1 after {@link #start}, more after restarts). */
    public int starts() {
        return starts;
    }

    /** Each partition's lag in records as last measured (also the {@code sluice.lag.*} gauges). */
    public Map<TopicPartition, Long> lag() {
        return Map.copyOf(lag);
    }

    /** Cancels the pipeline, waits for it to end and stops discovery. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = scheduler;
            try {
                stopPipeline();
            } finally {
                if (auditReporter != null) {
                    try {
                        publishAudit(); // the last commits
                    } catch (RuntimeException e) {
                        LOG.warn("publishing the sink audit at close failed; the next run publishes it", e);
                    } finally {
                        auditReporter.close();
                    }
                }
                if (log != null) {
                    log.close();
                }
                releaseClaims();
                gauges.forEach(PipelineMetrics.registry()::remove);
            }
        }
        if (s != null) {
            s.shutdownNow();
        }
    }

    /** How to run the job. */
    public static final class Builder {
        private final SluiceIngest ingest;
        private Runner runner = Runner.FLINK;
        private String flinkMaster = "[local]";
        private int parallelism = -1;
        private Duration checkpointingInterval = Duration.ofSeconds(10);
        private Duration discoveryInterval = Duration.ofSeconds(30);
        private Supplier<PipelineOptions> custom;
        private AuditConfig audit;
        private String name = "sluice-ingest";
        private boolean takeOver;
        private Duration claimLease = TableSink.DEFAULT_LEASE;

        private Builder(SluiceIngest ingest) {
            this.ingest = Objects.requireNonNull(ingest, "ingest");
        }

        public Builder runner(Runner r) {
            this.runner = Objects.requireNonNull(r, "runner");
            return this;
        }

        /** {@code [local]} (an embedded Flink, the default) or {@code host:port} of a JobManager. */
        public Builder flinkMaster(String master) {
            if (master == null || master.isBlank()) {
                throw new IllegalArgumentException("flinkMaster must be [local] or host:port, not '" + master + "'");
            }
            this.flinkMaster = master;
            return this;
        }

        /** Parallelism of the Flink job (default: Flink's, the number of cores for an embedded one). */
        public Builder parallelism(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, not " + n);
            }
            this.parallelism = n;
            return this;
        }

        public Builder checkpointingInterval(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("checkpointingInterval must be positive, not " + d);
            }
            this.checkpointingInterval = d;
            return this;
        }

        /** How often topics and partitions are resolved again (default 30 s). */
        public Builder discoveryInterval(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("discoveryInterval must be positive, not " + d);
            }
            this.discoveryInterval = d;
            return this;
        }

        /**
         * Full control over the pipeline options (called once per start, so each start gets fresh options); the
         * runner settings above are then ignored. The options must make {@code run()} return while the pipeline
         * runs (Flink: attachedMode=false; DirectRunner: blockOnRun=false).
         */
        public Builder pipelineOptions(Supplier<PipelineOptions> supplier) {
            this.custom = Objects.requireNonNull(supplier, "pipelineOptions");
            return this;
        }

        /**
         * Publishes the sink tier of the audit to {@code config}'s audit topic, every publish interval and at close.
         * The tables' audit bucket ({@link TableSpec#auditBucket()}) should match the config's bucket width.
         */
        public Builder audit(AuditConfig config) {
            this.audit = Objects.requireNonNull(config, "audit");
            return this;
        }

        /** The pipeline's name: in the claims on its tables, so that a refused run learns who holds them. */
        public Builder name(String n) {
            if (n == null || n.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = n;
            return this;
        }

        /**
         * Take the tables even from a live run that holds them (its writers are fenced, and it stops when it notices),
         * or from a Sluice of an earlier version that committed them recently. Off by default: such a start is refused
         * with one line naming the holder.
         */
        public Builder takeOver(boolean on) {
            this.takeOver = on;
            return this;
        }

        /**
         * How long this run's claims stay live without a renewal (default 60 s; renewed every quarter of it): how soon
         * another run may take a table after this one died on another host without releasing it. Longer than the
         * clock difference between the hosts.
         */
        public Builder claimLease(Duration d) {
            if (d == null || d.toMillis() < 1_000) {
                throw new IllegalArgumentException("claimLease must be at least 1s, not " + d);
            }
            this.claimLease = d;
            return this;
        }

        public IngestionJob build() {
            return new IngestionJob(this);
        }

        private String describe() {
            if (custom != null) {
                return "custom pipeline options";
            }
            return runner == Runner.DIRECT ? "the DirectRunner" : "Flink at " + flinkMaster;
        }

        private Supplier<PipelineOptions> optionsSupplier() {
            if (custom != null) {
                return custom;
            }
            // the same arguments a pipeline file's runner section gives, so both paths run alike
            RunnerConfig config = new RunnerConfig(runner == Runner.DIRECT ? RunnerConfig.Type.DIRECT : RunnerConfig.Type.FLINK,
                    flinkMaster, parallelism > 0 ? OptionalInt.of(parallelism) : OptionalInt.empty(), checkpointingInterval,
                    OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), List.of());
            String[] args = runWhileWatched(config.toArgs("sluice-ingest-" + ProcessHandle.current().pid()), config.type());
            return () -> PipelineOptionsFactory.fromArgs(args).create();
        }
    }

    /**
     * {@code args} plus what a watched job needs: run() must return while the pipeline runs (the job watches and
     * restarts it), and the DirectRunner's per-element immutability and encodability checks are left out.
     */
    static String[] runWhileWatched(String[] args, RunnerConfig.Type type) {
        List<String> all = new ArrayList<>(List.of(args));
        if (type == RunnerConfig.Type.DIRECT) {
            all.addAll(List.of("--blockOnRun=false", "--enforceImmutability=false", "--enforceEncodability=false"));
        } else {
            all.add("--attachedMode=false"); // an embedded Flink honours it too (executeAsync)
        }
        return all.toArray(String[]::new);
    }

    @Override
    public String toString() {
        return "IngestionJob{run " + run.shortId() + ", " + description + ", reading " + reading + ", stopped "
                + new TreeSet<>(stopped.keySet()) + ", starts " + starts + "}";
    }
}
