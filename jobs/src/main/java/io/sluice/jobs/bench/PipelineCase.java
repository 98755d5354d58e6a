package io.sluice.jobs.bench;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.sluice.pipeline.IngestionJob;
import io.sluice.pipeline.SluiceIngest;
import io.sluice.pipeline.TableResolver;
import io.sluice.pipeline.internals.PipelineMetrics;
import io.sluice.sink.CommitHook;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sluice ingestion pipeline ({@link SluiceIngest} launched by {@link IngestionJob}) on an embedded Flink
 * ({@code [local]}, parallelism 2, the job's default checkpointing), writing the same table as {@link PlainLoopCase}:
 * default table settings except those the plain loop also fixes (hourly UTC partitions, snappy, the run's commit
 * interval), on the same FileSystem configuration.
 *
 * <p>Measured like the plain loop: from the first record in hand (the decode step's counter first moves) to the
 * last commit done (the commit counter last moves, after the renames), see {@link PipelineProbe}; start-up (table
 * recovery, launching the Flink job, connecting) is reported apart. The pipeline is an unbounded job: it does not
 * know where the data ends, so its last commit waits for the commit timer (commit interval after the first record
 * of that batch), where the plain loop, told the end offsets, commits at once.
 *
 * <p>After the job is stopped the table is read back with {@link TableReader}: {@code records} is the number of rows
 * in the table, and a row seen twice fails the run. Latency mode: each row's (moment its journal entry was seen -
 * its log timestamp), see {@link PipelineProbe}.
 */
public final class PipelineCase implements BenchCase {
    public static final String ID = "pipeline";
    /** The pipeline with no audit at all: the table counts nothing, no log tier, nothing published. */
    public static final String NO_AUDIT_ID = "pipeline-no-audit";
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCase.class);
    private static final int PARALLELISM = 2;
    private static final Duration PATIENCE = Duration.ofMinutes(10);
    private static final long READY_PATIENCE_SECONDS = 180;

    /** Key + value bytes of the topic up to the end offsets: the same on every throughput run, so read once. */
    private final Map<String, Long> inputBytes = new HashMap<>();
    /** Null: the no-audit variant. */
    private final AuditTiers audit;

    /**
     * With {@code audit}, the pipeline as users run it: the table counts the sink tier in its commits, the job
     * publishes it, and the log tier counts the topic during the run. Without, none of that.
     */
    PipelineCase(AuditTiers audit) {
        this.audit = audit;
    }

    @Override
    public String id() {
        return audit != null ? ID : NO_AUDIT_ID;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        long runStart = System.nanoTime();
        TableSpec spec = TableSpec.builder(tableName(ctx), ctx.tableRoot().toString())
                .commitInterval(ctx.commitInterval())
                .auditCounting(audit != null)
                .build(); // the defaults: HOURLY, UTC, snappy, metadata field on
        TableResolver tables = new OneTable(spec);
        SluiceIngest ingest = SluiceIngest.create()
                .withBootstrapServers(ctx.bootstrap())
                .withSchemaRegistryUrl(ctx.registryUrl())
                .withTopics(List.of(ctx.topic()))
                .withTables(tables)
                .withHadoopConfiguration(overrides(ctx.hadoop()));
        Timer commitTimer = PipelineMetrics.registry().timer(PipelineMetrics.PREFIX + "commitLatency." + spec.name());
        long commitTimerBase = commitTimer.getCount();

        TableSink table = TableSink.open(spec, ctx.hadoop(), id -> {
            throw new IllegalStateException("the bench's probe writes nothing");
        }, new MetricRegistry(), CommitHook.NONE);
        PipelineProbe probe = new PipelineProbe(table, ctx.topic());
        Thread watcher = new Thread(probe, "sluice-bench-pipeline-probe");
        watcher.setDaemon(true);
        IngestionJob.Builder builder = IngestionJob.builder(ingest)
                .runner(IngestionJob.Runner.FLINK).flinkMaster("[local]").parallelism(PARALLELISM);
        if (audit != null) {
            builder.audit(audit.config());
            audit.start();
        }
        try (ReadersPositioned positioned = new ReadersPositioned(ctx.topic(), partitionCount(ctx));
             IngestionJob job = builder.build()) {
            watcher.start();
            job.start();
            if (ctx.latency() != null) {
                positioned.await(READY_PATIENCE_SECONDS);
            }
            ctx.ready().run();
            ctx.endOffsets().thenAccept(probe::stopAt);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!probe.done()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the pipeline did not commit up to the end offsets within " + PATIENCE
                            + ": " + probe + "; " + job);
                }
                Thread.sleep(20);
            }
            if (!job.stoppedTables().isEmpty()) {
                throw new IllegalStateException("table stopped during the run: " + job.stoppedTables());
            }
        } finally {
            watcher.interrupt();
            watcher.join(TimeUnit.SECONDS.toMillis(10));
            table.close();
            if (audit != null) {
                audit.stop();
            }
        }
        long first = probe.firstRecordNanos();
        long last = probe.lastCommitNanos();
        if (first < 0 || last < first) {
            throw new IllegalStateException("the probe saw no record or no commit: " + probe);
        }
        long committingMillis = sumMillis(commitTimer, commitTimerBase);
        ReadBack back = readBack(spec, ctx, probe);
        RunResult r = new RunResult(back.rows, ctx.latency() == null ? inputBytes(ctx) : 0, back.bytes, back.files,
                Duration.ofNanos(first - runStart), Duration.ofNanos(last - first), Duration.ofMillis(committingMillis));
        LOG.info("pipeline: {} rows of {} into {} in {} ms ({} records/s), {} files; start-up {} ms; every record"
                        + " decoded after {} ms, first commit done after {} ms; commits took {} ms summed over {} workers",
                r.records(), ctx.topic(), spec.root(), r.elapsed().toMillis(), Math.round(r.recordsPerSecond()), r.files(),
                r.startup().toMillis(), sinceFirst(probe.allDecodedNanos(), first), sinceFirst(probe.firstCommitNanos(), first),
                committingMillis, PARALLELISM);
        return r;
    }

    private static long sinceFirst(long nanos, long first) {
        return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos - first);
    }

    /**
     * The sum of the commit durations of this run (the table is new, so every sample of its timer is this run's;
     * a timer keeps 1028 samples, far more commits than a run makes). Summed over the parallel workers, and unlike
     * the plain loop's figure it includes encoding and writing the files, which the pipeline does inside the
     * commit (rows wait in Beam state until then).
     */
    private static long sumMillis(Timer timer, long base) {
        long commits = timer.getCount() - base;
        Snapshot s = timer.getSnapshot();
        if (base != 0 || s.size() != commits) {
            return Math.round(s.getMean() * commits / 1e6); // an estimate once samples were dropped
        }
        long nanos = 0;
        for (long v : s.getValues()) {
            nanos += v;
        }
        return nanos / 1_000_000;
    }

    private record ReadBack(long rows, long files, long bytes) {}

    /** Counts the table's rows from its files, refusing a duplicate; in latency mode records each row's latency. */
    private static ReadBack readBack(TableSpec spec, RunContext ctx, PipelineProbe probe) throws IOException {
        TableReader reader = TableReader.open(spec, ctx.hadoop());
        Histogram latency = ctx.latency();
        Set<Long> seen = new HashSet<>();
        long[] rows = {0};
        long[] unseen = {0};
        reader.forEach(row -> {
            GenericRecord meta = (GenericRecord) row.get("_sluice");
            int partition = (Integer) meta.get("partition");
            long offset = (Long) meta.get("offset");
            // partitions < 2^16 and offsets < 2^47 in a bench
            if (!seen.add(((long) partition << 47) | offset)) {
                throw new IllegalStateException("table " + spec.root() + " holds " + ctx.topic() + "-" + partition
                        + "@" + offset + " twice");
            }
            rows[0]++;
            if (latency != null) {
                long visibleAt = probe.visibleAt(partition, offset);
                if (visibleAt < 0) {
                    unseen[0]++;
                    return;
                }
                long ms = visibleAt - (Long) meta.get("timestamp");
                latency.recordValue(Math.min(latency.getHighestTrackableValue(), Math.max(0, ms)));
            }
        });
        if (unseen[0] > 0) {
            throw new IllegalStateException(unseen[0] + " rows of " + spec.root() + " are past every journal entry"
                    + " the probe saw: " + probe);
        }
        List<Path> files = reader.committedFiles();
        long bytes = 0;
        try (FileSystem fs = FileSystem.newInstance(ctx.tableRoot(), ctx.hadoop())) {
            for (Path f : files) {
                bytes += fs.getFileStatus(f).getLen();
            }
        }
        return new ReadBack(rows[0], files.size(), bytes);
    }

    /** Read once per topic and end offsets, outside any measured time: the plain loop counts the same bytes. */
    private long inputBytes(RunContext ctx) throws Exception {
        Map<Integer, Long> ends = ctx.endOffsets().get();
        String key = ctx.topic() + ends;
        Long known = inputBytes.get(key);
        if (known != null) {
            return known;
        }
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> c = consumer(ctx)) {
            List<TopicPartition> tps = ends.keySet().stream().map(p -> new TopicPartition(ctx.topic(), p)).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Set<TopicPartition> open = new HashSet<>(tps);
            open.removeIf(tp -> ends.get(tp.partition()) <= 0);
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() < ends.get(r.partition())) {
                        bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                    }
                }
                open.removeIf(tp -> c.position(tp) >= ends.get(tp.partition()));
            }
        }
        inputBytes.put(key, bytes);
        return bytes;
    }

    private static int partitionCount(RunContext ctx) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(ctx)) {
            return c.partitionsFor(ctx.topic(), Duration.ofSeconds(30)).size();
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(RunContext ctx) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-bench-pipeline-count");
        return new KafkaConsumer<>(c);
    }

    /**
     * The settings of the bench's FileSystem configuration that differ from a plain {@code new Configuration()}: a
     * Hadoop Configuration is not serializable, so the pipeline carries them as a map and applies them on the workers.
     */
    static Map<String, String> overrides(Configuration conf) {
        Configuration defaults = new Configuration();
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : conf) {
            if (!e.getValue().equals(defaults.getRaw(e.getKey()))) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** A fresh table name per run, so that the per-table commit timer holds only this run's commits. */
    private static String tableName(RunContext ctx) {
        String path = ctx.tableRoot().getPath();
        String last = path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9_.-]", "_");
        return ctx.topic() + "_" + (last.isEmpty() ? "table" : last) + "_" + Long.toHexString(System.nanoTime());
    }

    /** Every topic into the run's one table. */
    private record OneTable(TableSpec spec) implements TableResolver {
        private static final long serialVersionUID = 1L;

        @Override
        public TableSpec tableFor(String topic) {
            return spec;
        }
    }
}
