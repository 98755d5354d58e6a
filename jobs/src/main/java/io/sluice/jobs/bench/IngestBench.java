package io.sluice.jobs.bench;

import io.sluice.jobs.quickstart.EmbeddedStack;
import io.sluice.jobs.quickstart.PageViewEvents;
import io.sluice.jobs.quickstart.ProduceSummary;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.hadoop.fs.FileSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ingest benchmark: the Sluice pipeline on embedded Flink against a plain hand-written loop
 * ({@link PlainLoopIngest}), side by side in one process on the same data, writing to an in-process
 * MiniDFSCluster from an in-process log-core with its registry.
 *
 * <ul>
 *   <li>throughput: {@code --events} page views are produced once; then rounds ({@code --warmups} + {@code --runs})
 *       each run every case once, interleaved so that drift spreads over all cases, each into a fresh table root
 *       (deleted after its row count is checked). Rates are over the time from the first record in hand to the
 *       last commit; start-up is reported apart.</li>
 *   <li>latency: per case, a fresh topic, the case started and ready, then a producer at {@code --rate} for
 *       {@code --duration-seconds}; every committed row's (committed - produced) time goes into an HdrHistogram.</li>
 * </ul>
 *
 * Run with {@code bench/ingest.sh}. Targets (issue 5): pipeline >= 50% of the plain loop's records/s; pipeline
 * p99 produce-to-committed <= 30 s. Issue 6: {@code pipeline} (the table counts the sink tier, the job publishes it,
 * the log tier counts the topic during the run) at most 5% below {@code pipeline-no-audit} (none of that).
 */
@Command(name = "ingest-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sluice pipeline vs a plain KafkaConsumer + DataFileWriter loop, log-core -> MiniDFSCluster.")
public final class IngestBench implements Callable<Integer> {
    static final String TOPIC = "page_views";
    private static final double TARGET_RATIO = 0.5;
    private static final long TARGET_P99_MS = 30_000;
    private static final double TARGET_AUDIT_COST = 0.05;

    @Option(names = "--mode", description = "throughput, latency or all (default: ${DEFAULT-VALUE})")
    String mode = "throughput";
    @Option(names = "--events", description = "page views produced for the throughput runs (default: ${DEFAULT-VALUE})")
    long events = 500_000;
    @Option(names = "--partitions", description = "partitions of the topic (default: ${DEFAULT-VALUE})")
    int partitions = 4;
    @Option(names = "--warmups", description = "warm-up rounds, not counted (default: ${DEFAULT-VALUE})")
    int warmups = 1;
    @Option(names = "--runs", description = "measured rounds (default: ${DEFAULT-VALUE})")
    int runs = 3;
    @Option(names = "--cases", split = ",", description = "cases to run (default: plain-loop,pipeline; also "
            + "pipeline-no-audit: the pipeline without sink and log counting)")
    List<String> caseIds = List.of(PlainLoopCase.ID, PipelineCase.ID);
    @Option(names = "--commit-interval-ms", description = "commit interval of every case (default: ${DEFAULT-VALUE})")
    long commitIntervalMs = 10_000;
    @Option(names = "--rate", description = "latency mode: events per second (default: ${DEFAULT-VALUE})")
    int rate = 5_000;
    @Option(names = "--duration-seconds", description = "latency mode: how long to produce (default: ${DEFAULT-VALUE})")
    int durationSeconds = 60;
    @Option(names = "--seed", description = "page-view generator seed (default: ${DEFAULT-VALUE})")
    long seed = 42;
    @Option(names = "--dir", description = "working directory for the log and the MiniDFSCluster; emptied first (default: ${DEFAULT-VALUE})")
    Path dir = Path.of("jobs/target/ingest-bench");
    @Option(names = "--local-fs", description = "write tables to the local file system instead of a MiniDFSCluster")
    boolean localFs;

    private final PrintStream out;
    private final PrintStream err;

    IngestBench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new IngestBench(System.out, System.err)).execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("throughput", "latency", "all").contains(mode)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--mode must be throughput, latency or all, got '" + mode + "'");
        }
        casesFor(caseIds, null); // unknown ids are refused before anything starts
        BenchRounds.deleteRecursively(dir);
        err.printf(Locale.ROOT, "ingest-bench: starting log-core, registry and %s under %s%n", localFs ? "the local file system" : "a MiniDFSCluster", dir);
        try (EmbeddedStack stack = EmbeddedStack.start(dir, !localFs)) {
            stack.createTopic(io.sluice.audit.AuditConfig.DEFAULT_TOPIC, 1);
            List<BenchCase> cases = casesFor(caseIds, new AuditTiers(stack));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("cpus", Runtime.getRuntime().availableProcessors());
            if (!mode.equals("latency")) {
                json.put("throughput", throughput(stack, cases));
            }
            if (!mode.equals("throughput")) {
                json.put("latency", latency(stack, cases));
            }
            BenchRounds.printJson(out, json);
        }
        return 0;
    }

    private Map<String, Object> throughput(EmbeddedStack stack, List<BenchCase> cases) throws Exception {
        stack.createTopic(TOPIC, partitions);
        err.printf(Locale.ROOT, "ingest-bench: producing %,d page views to %s (%d partitions)%n", events, TOPIC, partitions);
        ProduceSummary produced = PageViewEvents.produce(stack.bootstrap(), stack.registryUrl(), TOPIC, events,
                PageViewEvents.Options.defaults().withSeed(seed));
        err.printf(Locale.ROOT, "ingest-bench: produced %,d in %,d ms (%,.0f/s, %.1f MB)%n", produced.count(), produced.elapsed().toMillis(),
                produced.count() * 1000.0 / Math.max(1, produced.elapsed().toMillis()), produced.valueBytes() / 1048576.0);
        Map<Integer, Long> ends = stack.endOffsets(TOPIC);
        long expected = ends.values().stream().mapToLong(Long::longValue).sum();

        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        cases.forEach(c -> results.put(c.id(), new ArrayList<>()));
        for (int round = 0; round < warmups + runs; round++) {
            boolean measured = BenchRounds.measured(round, warmups);
            for (int j = 0; j < cases.size(); j++) {
                // a different order every round, so that no case always follows the same one
                BenchCase c = cases.get((j + round) % cases.size());
                if (unavailable.containsKey(c.id())) {
                    continue;
                }
                URI root = stack.uri("/bench/" + c.id() + "/round-" + round);
                RunContext ctx = new RunContext(stack.bootstrap(), stack.registryUrl(), TOPIC, root, stack.hadoop(),
                        Duration.ofMillis(commitIntervalMs), CompletableFuture.completedFuture(ends), null, () -> { });
                RunResult r;
                try {
                    r = c.run(ctx);
                } catch (UnsupportedOperationException e) {
                    unavailable.put(c.id(), e.getMessage());
                    err.printf(Locale.ROOT, "ingest-bench: %s not available: %s%n", c.id(), e.getMessage());
                    continue;
                }
                if (r.records() != expected) {
                    throw new IllegalStateException("case " + c.id() + " round " + round + " committed " + r.records()
                            + " rows, expected " + expected + " (the log's end offsets " + ends + ")");
                }
                deleteTable(stack, root);
                err.printf(Locale.ROOT, "ingest-bench: round %d%s %-17s %,10.0f records/s %7.1f MB/s  %,d ms (%,d ms committing), start-up %,d ms, %d files%n",
                        round, BenchRounds.label(measured), c.id(), r.recordsPerSecond(), r.megabytesPerSecond(),
                        r.elapsed().toMillis(), r.committing().toMillis(), r.startup().toMillis(), r.files());
                if (measured) {
                    results.get(c.id()).add(r);
                }
            }
        }
        return printThroughput(results, unavailable, expected);
    }

    private Map<String, Object> printThroughput(Map<String, List<RunResult>> results, Map<String, String> unavailable, long expected) {
        out.printf(Locale.ROOT, "%nThroughput: %,d page views, %d partitions, commit interval %d ms, %d warm-up + %d runs, %d CPUs%n",
                expected, partitions, commitIntervalMs, warmups, runs, Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "%-17s %12s %12s %12s %10s %12s %12s %8s%n", "case", "rec/s med", "rec/s min", "rec/s max", "MB/s med",
                "commit ms", "start-up ms", "files");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("events", expected);
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<RunResult>> e : results.entrySet()) {
            if (unavailable.containsKey(e.getKey())) {
                out.printf(Locale.ROOT, "%-12s n/a (%s)%n", e.getKey(), unavailable.get(e.getKey()));
                continue;
            }
            List<RunResult> rs = e.getValue();
            BenchRounds.Spread rate = BenchRounds.Spread.of(rs, RunResult::recordsPerSecond);
            double med = rate.median();
            double mb = BenchRounds.median(rs, RunResult::megabytesPerSecond);
            double startup = BenchRounds.median(rs, r -> r.startup().toMillis());
            double committing = BenchRounds.median(rs, r -> r.committing().toMillis());
            long files = rs.isEmpty() ? 0 : rs.get(0).files();
            out.printf(Locale.ROOT, "%-17s %12.0f %12.0f %12.0f %10.1f %12.0f %12.0f %8d%n", e.getKey(), med, rate.min(), rate.max(), mb, committing,
                    startup, files);
            medians.put(e.getKey(), med);
            Map<String, Object> c = new LinkedHashMap<>();
            rate.putRecordsPerSecond(c);
            c.put("mb_per_s_median", Math.round(mb * 10) / 10.0);
            c.put("committing_ms_median", Math.round(committing));
            c.put("startup_ms_median", Math.round(startup));
            json.put(e.getKey(), c);
        }
        Double plain = medians.get(PlainLoopCase.ID);
        Double pipeline = medians.get(PipelineCase.ID);
        if (plain != null && pipeline != null && plain > 0) {
            double ratio = pipeline / plain;
            out.printf(Locale.ROOT, "pipeline / plain-loop = %.2f (target >= %.2f: %s)%n", ratio, TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "NOT met");
            json.put("pipeline_vs_plain", Math.round(ratio * 100) / 100.0);
        }
        Double unaudited = medians.get(PipelineCase.NO_AUDIT_ID);
        if (unaudited != null && pipeline != null && unaudited > 0) {
            double ratio = pipeline / unaudited;
            out.printf(Locale.ROOT, "pipeline (sink and log counting) / pipeline-no-audit = %.3f (issue 6 target: at most %.0f%%"
                    + " below: %s)%n", ratio, TARGET_AUDIT_COST * 100, 1 - ratio < TARGET_AUDIT_COST ? "met" : "NOT met");
            json.put("audited_vs_unaudited", Math.round(ratio * 1000) / 1000.0);
        }
        return json;
    }

    private Map<String, Object> latency(EmbeddedStack stack, List<BenchCase> cases) throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (BenchCase c : cases) {
            String topic = TOPIC + "_live_" + c.id().replace('-', '_');
            stack.createTopic(topic, partitions);
            Histogram histogram = new Histogram(TimeUnit.HOURS.toMillis(1), 3);
            CompletableFuture<Map<Integer, Long>> ends = new CompletableFuture<>();
            CountDownLatch ready = new CountDownLatch(1);
            RunContext ctx = new RunContext(stack.bootstrap(), stack.registryUrl(), topic, stack.uri("/bench/" + c.id() + "/live"),
                    stack.hadoop(), Duration.ofMillis(commitIntervalMs), ends, histogram, ready::countDown);
            CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.run(ctx);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            while (!ready.await(100, TimeUnit.MILLISECONDS) && !run.isDone()) {
                // wait for the case to be reading (or to fail)
            }
            if (run.isDone() && run.isCompletedExceptionally()) {
                Throwable cause = causeOf(run);
                if (cause instanceof UnsupportedOperationException) {
                    lines.add(String.format(Locale.ROOT, "%-12s n/a (%s)", c.id(), cause.getMessage()));
                    err.printf(Locale.ROOT, "ingest-bench: %s not available: %s%n", c.id(), cause.getMessage());
                    continue;
                }
                throw new IllegalStateException("latency run of " + c.id() + " failed", cause);
            }
            err.printf(Locale.ROOT, "ingest-bench: %s ready; producing %,d page views/s for %d s to %s%n", c.id(), rate, durationSeconds, topic);
            ProduceSummary produced = PageViewEvents.produceAtRate(stack.bootstrap(), stack.registryUrl(), topic, rate,
                    Duration.ofSeconds(durationSeconds), PageViewEvents.Options.defaults().withSeed(seed));
            ends.complete(stack.endOffsets(topic));
            RunResult r;
            try {
                r = run.get(10, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                throw new IllegalStateException("latency run of " + c.id() + " failed", e.getCause());
            }
            if (r.records() != produced.count() || histogram.getTotalCount() != produced.count()) {
                throw new IllegalStateException("case " + c.id() + " committed " + r.records() + " rows and measured "
                        + histogram.getTotalCount() + " latencies, expected " + produced.count());
            }
            lines.add(String.format(Locale.ROOT, "%-12s %10d %9d %9d %9d %9d %9d", c.id(), histogram.getTotalCount(),
                    histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
                    histogram.getValueAtPercentile(99.9), histogram.getMaxValue()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", histogram.getTotalCount());
            m.put("p50_ms", histogram.getValueAtPercentile(50));
            m.put("p99_ms", histogram.getValueAtPercentile(99));
            m.put("max_ms", histogram.getMaxValue());
            m.put("p99_target_met", histogram.getValueAtPercentile(99) <= TARGET_P99_MS);
            json.put(c.id(), m);
        }
        out.printf(Locale.ROOT, "%nLatency, produce -> committed (ms): %,d events/s for %d s, commit interval %d ms%n", rate, durationSeconds, commitIntervalMs);
        out.printf(Locale.ROOT, "%-12s %10s %9s %9s %9s %9s %9s%n", "case", "count", "p50", "p90", "p99", "p99.9", "max");
        lines.forEach(out::println);
        out.printf(Locale.ROOT, "target: pipeline p99 <= %d ms%n", TARGET_P99_MS);
        return json;
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            Throwable t = e.getCause();
            return t instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null ? ce.getCause() : t;
        }
    }

    static List<BenchCase> casesFor(List<String> ids, AuditTiers audit) {
        List<BenchCase> cases = new ArrayList<>();
        for (String id : ids) {
            switch (id.trim()) {
                case PlainLoopCase.ID -> cases.add(new PlainLoopCase());
                case PipelineCase.ID -> cases.add(new PipelineCase(audit));
                case PipelineCase.NO_AUDIT_ID -> cases.add(new PipelineCase(null));
                default -> throw new IllegalArgumentException("unknown case '" + id + "': expected " + PlainLoopCase.ID
                        + ", " + PipelineCase.ID + " or " + PipelineCase.NO_AUDIT_ID);
            }
        }
        return cases;
    }

    private static void deleteTable(EmbeddedStack stack, URI root) throws java.io.IOException {
        try (FileSystem fs = FileSystem.newInstance(root, stack.hadoop())) {
            fs.delete(new org.apache.hadoop.fs.Path(root), true);
        }
    }
}
