package io.sluice.jobs.bench;

import com.codahale.metrics.MetricRegistry;
import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditCounter;
import io.sluice.audit.Buckets;
import io.sluice.audit.RecordDigest;
import io.sluice.audit.Tier;
import io.sluice.audit.AuditInterceptor;
import io.sluice.audit.AuditingProducer;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.audit.LogAuditor;
import io.sluice.log.audit.LogAuditorConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The audit overhead benchmark: what counting costs the producer and the log, in one process against an
 * in-process log-core (its Kafka-protocol server on 127.0.0.1 and a free port).
 *
 * <ul>
 *   <li>{@code producer-plain}: a {@code KafkaProducer<byte[], byte[]>}, acks=all, idempotent, one sending thread;
 *       {@code producer-interceptor}: the same with {@link AuditInterceptor} in {@code interceptor.classes};
 *       {@code producer-auditing}: an {@link AuditingProducer} (digests of the serialized bytes) with byte-array
 *       serializers. Rate = records / (first send to {@code flush()} returned, every record acknowledged).</li>
 *   <li>{@code log-audited}: {@code producer-plain} while a {@link LogAuditor} (started before the clock, as
 *       {@code sluice log-server} starts it, default 1 s scan interval) counts the log. Its producer rate is compared
 *       with {@code producer-plain}'s; apart from that it reports how long after the last acknowledgement the
 *       auditor had counted every record (its lag back to 0) and the rate over first send to caught up.</li>
 * </ul>
 *
 * Every run produces {@code --records} records (keys 8-16 bytes, values {@code --value-min}..{@code --value-max}
 * bytes, timestamps = send time) to a fresh topic, checks the log's high watermarks (and the tier's counts)
 * against it and deletes the topic. Rounds ({@code --warmups} + {@code --runs}) run every case once, in turn, so
 * that drift on a shared machine spreads over all cases; the table shows medians. Run with {@code bench/audit.sh}.
 * Target (issue 6): each audited case at most 5% below {@code producer-plain}.
 */
@Command(name = "audit-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Producer and log-core throughput with and without the audit, in-process log-core.")
public final class AuditBench implements Callable<Integer> {
    static final String PLAIN = "producer-plain";
    static final String INTERCEPTOR = "producer-interceptor";
    static final String AUDITING = "producer-auditing";
    static final String LOG_AUDITED = "log-audited";
    /** Not in the defaults: an interceptor that does nothing, to tell Kafka's interceptor hook from the counting. */
    static final String NOOP_INTERCEPTOR = "producer-noop-interceptor";
    private static final List<String> DEFAULT = List.of(PLAIN, INTERCEPTOR, AUDITING, LOG_AUDITED);
    private static final List<String> ALL = List.of(PLAIN, INTERCEPTOR, AUDITING, LOG_AUDITED, NOOP_INTERCEPTOR);
    private static final double TARGET_COST = 0.05;

    @Option(names = "--records", description = "records per run (default: ${DEFAULT-VALUE})")
    int records = 1_000_000;
    @Option(names = "--value-min", description = "smallest value in bytes (default: ${DEFAULT-VALUE})")
    int valueMin = 100;
    @Option(names = "--value-max", description = "largest value in bytes (default: ${DEFAULT-VALUE})")
    int valueMax = 200;
    @Option(names = "--partitions", description = "partitions of each run's topic (default: ${DEFAULT-VALUE})")
    int partitions = 4;
    @Option(names = "--linger-ms", description = "producer linger.ms (default: ${DEFAULT-VALUE})")
    int lingerMs = 5;
    @Option(names = "--warmups", description = "warm-up rounds, not counted (default: ${DEFAULT-VALUE})")
    int warmups = 1;
    @Option(names = "--runs", description = "measured rounds (default: ${DEFAULT-VALUE})")
    int runs = 7;
    @Option(names = "--cases", split = ",", description = "cases to run (default: all: " + PLAIN + "," + INTERCEPTOR
            + "," + AUDITING + "," + LOG_AUDITED + "; also " + NOOP_INTERCEPTOR + ")")
    List<String> caseIds = DEFAULT;
    @Option(names = "--seed", description = "payload generator seed (default: ${DEFAULT-VALUE})")
    long seed = 42;
    @Option(names = "--fresh-bytes", description = "copy each key and value into new arrays just before its send, in every "
            + "case, as a serializer hands the producer bytes it has just written (in cache) instead of the pool's")
    boolean freshBytes;
    @Option(names = "--threads", description = "print each run's CPU time per thread (the top 8)")
    boolean threads;
    @Option(names = "--dir", description = "the log's data directory; emptied first (default: ${DEFAULT-VALUE})")
    Path dir = Path.of("jobs/target/audit-bench");

    private final PrintStream out;
    private final PrintStream err;

    AuditBench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new AuditBench(System.out, System.err)).execute(args));
    }

    /**
     * One measured run. {@code caughtUpMs} is -1 for the producer cases; {@code cpuNanosPerRecord} is the whole
     * process's CPU time (producer, server, log, auditor) from the first send to the end of the run (the auditor
     * caught up, for log-audited), per record; {@code producerCpuNanosPerRecord} that of the sending thread and the
     * producer's I/O thread only, {@code auditorCpuNanosPerRecord} that of the log auditor's thread (log-audited).
     * Thread CPU times hardly move with the load of other processes, unlike rates. {@code gcMillisPerMillion} is the
     * time the collectors report (young and mixed pauses, and concurrent cycles) over the same span, per million
     * records: what a case's extra allocation and extra objects held while records are in flight cost.
     */
    record Run(double recordsPerSecond, long elapsedMs, long caughtUpMs, double cpuNanosPerRecord,
               double producerCpuNanosPerRecord, double auditorCpuNanosPerRecord, double recordsPerRequest,
               double gcMillisPerMillion) {
        double endToEndPerSecond(long records) {
            return caughtUpMs < 0 ? recordsPerSecond : records * 1000.0 / Math.max(1, elapsedMs + caughtUpMs);
        }
    }

    @Override
    public Integer call() throws Exception {
        for (String id : caseIds) {
            if (!ALL.contains(id)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown case '" + id + "': expected one of " + ALL);
            }
        }
        if (valueMin < 0 || valueMax < valueMin) {
            throw new CommandLine.ParameterException(new CommandLine(this), "need 0 <= --value-min <= --value-max");
        }
        BenchRounds.deleteRecursively(dir);
        Files.createDirectories(dir);
        Payload payload = new Payload(seed, valueMin, valueMax);
        Map<String, List<Run>> results = new LinkedHashMap<>();
        List<Double> auditWork = new ArrayList<>();
        caseIds.forEach(c -> results.put(c, new ArrayList<>()));
        err.printf(Locale.ROOT, "audit-bench: log-core in %s; %,d records per run (values %d-%d bytes), %d partitions, "
                + "%d warm-up + %d rounds%n", dir, records, valueMin, valueMax, partitions, warmups, runs);
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log)) {
            String bootstrap = "127.0.0.1:" + server.port();
            log.createTopic(AuditConfig.DEFAULT_TOPIC, 1, Map.of()); // where the audited cases publish
            int topicSeq = 0;
            for (int round = 0; round < warmups + runs; round++) {
                boolean measured = BenchRounds.measured(round, warmups);
                for (int j = 0; j < caseIds.size(); j++) {
                    // a different order every round, so that no case always follows the same one
                    String c = caseIds.get((j + round) % caseIds.size());
                    String topic = "bench_" + c.replace('-', '_') + "_" + topicSeq++;
                    log.createTopic(topic, partitions, Map.of());
                    Run r = run(c, log, bootstrap, topic, payload);
                    log.deleteTopic(topic);
                    err.printf(Locale.ROOT, "audit-bench: round %d%s %-21s %,10.0f records/s  %,6d ms  CPU ns/record: %,6.0f "
                                    + "process, %,5.0f producer, %,4.0f auditor; GC %,4.0f ms per million; %,5.0f records/request%s%n", round,
                            BenchRounds.label(measured), c, r.recordsPerSecond(), r.elapsedMs(), r.cpuNanosPerRecord(),
                            r.producerCpuNanosPerRecord(), r.auditorCpuNanosPerRecord(), r.gcMillisPerMillion(), r.recordsPerRequest(),
                            r.caughtUpMs() < 0 ? "" : String.format(Locale.ROOT, ", auditor caught up %,d ms after the last ack", r.caughtUpMs()));
                    if (measured) {
                        results.get(c).add(r);
                    }
                }
                double work = auditWorkNanos(payload);
                err.printf(Locale.ROOT, "audit-bench: round %d%s %-21s %,10.1f CPU ns/record%n", round, BenchRounds.label(measured),
                        "audit-work", work);
                if (measured) {
                    auditWork.add(work);
                }
            }
        }
        Map<String, Object> json = print(results);
        double work = BenchRounds.median(auditWork, Double::doubleValue);
        out.printf(Locale.ROOT, "audit-work (what the AuditingProducer adds per record, one thread: digest + count + progress): "
                + "%.1f CPU ns/record%s%n", work, json.get("plain_cpu_ns_per_record") instanceof Long plainCpu && plainCpu > 0
                ? String.format(Locale.ROOT, " = %.1f%% of producer-plain's CPU per record", work * 100 / plainCpu) : "");
        json.put("audit_work_cpu_ns_per_record_median", Math.round(work * 10) / 10.0);
        BenchRounds.printJson(out, json);
        BenchRounds.deleteRecursively(dir);
        return 0;
    }

    private Run run(String c, LogManager log, String bootstrap, String topic, Payload payload) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "audit-bench-" + c);
        config.put(AuditConfig.PUBLISH_INTERVAL_MS, "10000");
        if (c.equals(INTERCEPTOR)) {
            config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AuditInterceptor.class.getName());
        } else if (c.equals(NOOP_INTERCEPTOR)) {
            config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, NoopInterceptor.class.getName());
        }
        LogAuditor auditor = null;
        MetricRegistry metrics = new MetricRegistry();
        if (c.equals(LOG_AUDITED)) {
            auditor = LogAuditor.start(log, new LogAuditorConfig(AuditConfig.from(Map.of("bootstrap.servers", bootstrap)),
                    LogAuditorConfig.instanceIdOf("audit-bench", 0)), metrics);
        }
        try (Producer<byte[], byte[]> producer = c.equals(AUDITING)
                ? new AuditingProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())
                : new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(topic); // metadata before the clock
            AtomicLong failed = new AtomicLong();
            AtomicReference<Exception> firstFailure = new AtomicReference<>();
            Callback cb = (md, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                }
            };
            String ioThread = "kafka-producer-network-thread | audit-bench-" + c;
            Map<Long, Long> threadCpuStart = threads ? threadCpus() : Map.of();
            long cpuStart = processCpuNanos();
            long gcStart = gcMillis();
            long producerCpuStart = threadCpuNanos(ioThread) + threadCpuNanos(Thread.currentThread().getName());
            long auditorCpuStart = threadCpuNanos("sluice-log-auditor");
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                byte[] key = payload.key(i);
                byte[] value = payload.value(i);
                if (freshBytes) {
                    key = key.clone();
                    value = value.clone();
                }
                producer.send(new ProducerRecord<>(topic, key, value), cb);
            }
            producer.flush();
            long acked = System.nanoTime();
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " sends of case " + c + " failed", firstFailure.get());
            }
            long caughtUpMs = -1;
            if (auditor != null) {
                while (metrics.counter(LogAuditor.COUNTED).getCount() < records
                        || ((Number) metrics.getGauges().get(LogAuditor.LAG).getValue()).longValue() > 0) {
                    if (System.nanoTime() - acked > 120_000_000_000L) {
                        throw new IllegalStateException("the log auditor counted " + metrics.counter(LogAuditor.COUNTED).getCount()
                                + " of " + records + " records in 120 s");
                    }
                    Thread.sleep(2);
                }
                caughtUpMs = (System.nanoTime() - acked) / 1_000_000;
            }
            long cpu = processCpuNanos() - cpuStart;
            long gc = gcMillis() - gcStart;
            double perRequest = metric(producer, "records-per-request-avg");
            if (threads) {
                printThreadCpu(c, threadCpuStart);
            }
            long producerCpu = threadCpuNanos(ioThread) + threadCpuNanos(Thread.currentThread().getName()) - producerCpuStart;
            long auditorCpu = threadCpuNanos("sluice-log-auditor") - auditorCpuStart;
            long held = 0;
            for (PartitionLog p : log.partitions(topic)) {
                held += p.highWatermark();
            }
            if (held != records) {
                throw new IllegalStateException("case " + c + ": the log holds " + held + " records of " + topic + ", sent " + records);
            }
            if (producer instanceof AuditingProducer<?, ?> a) {
                long counted = a.counts().stream().filter(b -> b.topic().equals(topic)).mapToLong(b -> b.digest().count()).sum();
                if (counted != records) {
                    throw new IllegalStateException("the auditing producer counted " + counted + " records, sent " + records);
                }
            }
            long elapsedMs = Math.max(1, (acked - start) / 1_000_000);
            return new Run(records * 1e9 / (acked - start), elapsedMs, caughtUpMs, (double) cpu / records,
                    (double) producerCpu / records, (double) auditorCpu / records, perRequest, gc * 1e6 / records);
        } finally {
            if (auditor != null) {
                auditor.close();
            }
        }
    }

    private Map<String, Object> print(Map<String, List<Run>> results) {
        out.printf(Locale.ROOT, "%nAudit overhead: %,d records per run, values %d-%d bytes, %d partitions, acks=all, idempotent, "
                + "linger.ms=%d, %d warm-up + %d runs, %d CPUs%n", records, valueMin, valueMax, partitions, lingerMs, warmups, runs,
                Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "%-21s %10s %10s %10s %8s | %8s %8s %8s %8s | %7s | %9s %11s%n", "", "rec/s", "", "", "",
                "CPU ns", "/record", "", "", "GC ms", "auditor", "");
        out.printf(Locale.ROOT, "%-21s %10s %10s %10s %8s | %8s %8s %8s %8s | %7s | %9s %11s%n", "case", "median", "min", "max",
                "vs plain", "process", "vs plain", "producer", "auditor", "per M", "caught up", "to caught/s");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("records", records);
        json.put("cpus", Runtime.getRuntime().availableProcessors());
        List<Run> plainRuns = results.get(PLAIN);
        double plain = plainRuns == null ? 0 : BenchRounds.median(plainRuns, Run::recordsPerSecond);
        double plainCpu = plainRuns == null ? 0 : BenchRounds.median(plainRuns, Run::cpuNanosPerRecord);
        double plainProducerCpu = plainRuns == null ? 0 : BenchRounds.median(plainRuns, Run::producerCpuNanosPerRecord);
        if (plainCpu > 0) {
            json.put("plain_cpu_ns_per_record", Math.round(plainCpu));
        }
        List<String> verdicts = new ArrayList<>();
        for (Map.Entry<String, List<Run>> e : results.entrySet()) {
            List<Run> rs = e.getValue();
            BenchRounds.Spread rate = BenchRounds.Spread.of(rs, Run::recordsPerSecond);
            double med = rate.median();
            boolean log = e.getKey().equals(LOG_AUDITED);
            double caught = log ? BenchRounds.median(rs, Run::caughtUpMs) : -1;
            double endToEnd = log ? BenchRounds.median(rs, r -> r.endToEndPerSecond(records)) : -1;
            double cpu = BenchRounds.median(rs, Run::cpuNanosPerRecord);
            double producerCpu = BenchRounds.median(rs, Run::producerCpuNanosPerRecord);
            double auditorCpu = BenchRounds.median(rs, Run::auditorCpuNanosPerRecord);
            double gc = BenchRounds.median(rs, Run::gcMillisPerMillion);
            String ratio = plain > 0 ? String.format(Locale.ROOT, "%.3f", med / plain) : "n/a";
            String cpuRatio = plainCpu > 0 ? String.format(Locale.ROOT, "%.3f", cpu / plainCpu) : "n/a";
            out.printf(Locale.ROOT, "%-21s %10.0f %10.0f %10.0f %8s | %8.0f %8s %8.0f %8.0f | %7.0f | %9s %11s%n", e.getKey(), med,
                    rate.min(), rate.max(), ratio, cpu, cpuRatio, producerCpu, auditorCpu, gc,
                    log ? String.format(Locale.ROOT, "%.0f", caught) : "-", log ? String.format(Locale.ROOT, "%.0f", endToEnd) : "-");
            Map<String, Object> c = new LinkedHashMap<>();
            rate.putRecordsPerSecond(c);
            c.put("cpu_ns_per_record_median", Math.round(cpu));
            c.put("producer_cpu_ns_per_record_median", Math.round(producerCpu));
            c.put("auditor_cpu_ns_per_record_median", Math.round(auditorCpu));
            c.put("gc_ms_per_million_records_median", Math.round(gc));
            c.put("records_per_request_median", Math.round(BenchRounds.median(rs, Run::recordsPerRequest)));
            if (plain > 0) {
                c.put("vs_plain", Math.round(med / plain * 1000) / 1000.0);
                if (!e.getKey().equals(PLAIN)) {
                    double cost = 1 - med / plain;
                    // the audit's own CPU: the producer threads' extra CPU, or the auditor thread's, per record
                    double own = log ? auditorCpu : producerCpu - plainProducerCpu;
                    verdicts.add(String.format(Locale.ROOT, "%s: records/s %+.1f%% vs producer-plain (target: at most %.0f%% "
                            + "below: %s); process CPU per record %+.1f%%; the audit's own CPU %+.0f ns/record (%s) = %.1f%% "
                            + "of producer-plain's process CPU per record", e.getKey(), -cost * 100, TARGET_COST * 100,
                            cost < TARGET_COST ? "met" : "NOT met", plainCpu > 0 ? (cpu / plainCpu - 1) * 100 : 0, own,
                            log ? "auditor thread" : "producer threads vs producer-plain's",
                            plainCpu > 0 ? own * 100 / plainCpu : 0));
                    c.put("audit_own_cpu_ns_per_record", Math.round(own));
                    c.put("target_met", cost < TARGET_COST);
                }
            }
            if (log) {
                c.put("caught_up_ms_median", Math.round(caught));
                c.put("to_caught_up_records_per_s_median", Math.round(endToEnd));
            }
            json.put(e.getKey(), c);
        }
        verdicts.forEach(out::println);
        return json;
    }

    /** An interceptor that does nothing ({@value #NOOP_INTERCEPTOR}). */
    public static final class NoopInterceptor implements org.apache.kafka.clients.producer.ProducerInterceptor<Object, Object> {
        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            return record;
        }

        @Override
        public void onAcknowledgement(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception exception) {}

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    /**
     * Keys and values generated once (so the generator is not measured): 4096 of each, record i uses entry i % 4096.
     * Keys are 8-16 bytes, values uniformly {@code min}..{@code max} bytes of random lower-case text.
     */
    static final class Payload {
        private static final int N = 4096;
        private final byte[][] keys = new byte[N][];
        private final byte[][] values = new byte[N][];

        Payload(long seed, int min, int max) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < N; i++) {
                keys[i] = text(random, 8 + random.nextInt(9));
                values[i] = text(random, min + random.nextInt(max - min + 1));
            }
        }

        private static byte[] text(SplittableRandom random, int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) ('a' + random.nextInt(26));
            }
            return b;
        }

        byte[] key(int i) {
            return keys[i % N];
        }

        byte[] value(int i) {
            return values[i % N];
        }
    }

    /**
     * The per-record work of the producer tier on its own, in this thread's CPU time (so that other processes on a
     * shared machine do not count): {@link RecordDigest} of key and value, {@link AuditCounter#record} with the
     * acknowledgement time and {@link AuditCounter#advanced}, over {@code --records} records about 1,000 per
     * millisecond of timestamp.
     */
    private double auditWorkNanos(Payload payload) {
        AuditCounter counter = new AuditCounter(Tier.PRODUCER, new Buckets(Buckets.DEFAULT));
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long base = System.currentTimeMillis();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < records; i++) {
            long ts = base + i / 1000;
            counter.acknowledged("bench", i & 3, i, ts, RecordDigest.of(payload.key(i), payload.value(i)),
                    System.currentTimeMillis());
        }
        long cpu = threads.getCurrentThreadCpuTime() - start;
        long counted = counter.snapshot().stream().mapToLong(b -> b.digest().count()).sum();
        if (counted != records) {
            throw new IllegalStateException("audit-work counted " + counted + " of " + records);
        }
        return (double) cpu / records;
    }

    /** A producer-metrics value of {@code producer}, NaN if it has none. */
    private static double metric(Producer<?, ?> producer, String name) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> e : producer.metrics().entrySet()) {
            if (e.getKey().group().equals("producer-metrics") && e.getKey().name().equals(name)
                    && e.getValue().metricValue() instanceof Number n) {
                return n.doubleValue();
            }
        }
        return Double.NaN;
    }

    private static Map<Long, Long> threadCpus() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            out.put(id, Math.max(0, mx.getThreadCpuTime(id)));
        }
        return out;
    }

    private void printThreadCpu(String c, Map<Long, Long> before) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> byName = new HashMap<>();
        threadCpus().forEach((id, cpu) -> {
            java.lang.management.ThreadInfo info = mx.getThreadInfo(id);
            if (info != null) {
                byName.merge(info.getThreadName().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "*"), cpu - before.getOrDefault(id, 0L), Long::sum);
            }
        });
        byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> err.printf(Locale.ROOT, "audit-bench:   %-21s %,8.0f CPU ns/record  %s%n", c,
                        (double) e.getValue() / records, e.getKey()));
    }

    /** CPU time of the live threads named {@code name}. */
    private static long threadCpuNanos(String name) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** Collection time so far, summed over the collectors (G1: young and mixed pauses, and concurrent cycles). */
    private static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
