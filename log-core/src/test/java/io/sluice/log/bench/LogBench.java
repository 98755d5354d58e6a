package io.sluice.log.bench;

import io.sluice.log.PartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The log-core storage benchmark: a plain {@code main} (not JMH, not a test; surefire ignores it) that
 * measures, in one process, on one disk, with the same bytes:
 *
 * <ul>
 *   <li>the physical limits: a raw {@link FileChannel} sequential write of the batches in 16 KiB writes,
 *       without fsync, with {@code force(true)} after every write, and with {@code force(true)} from a
 *       second thread at most every 2 ms while the writer keeps writing (the group-commit pattern);</li>
 *   <li>{@link PartitionLog#append} of 100-byte records in ~16 KiB batches under each durability policy
 *       (fsync off, group commit with 1 and with N partitions and appenders, flush.ms=1000,
 *       flush.messages=1), with append-return-to-durable latency percentiles;</li>
 *   <li>sequential reads through {@link PartitionLog#read} against a raw read of the same segment file.</li>
 * </ul>
 *
 * Every case gets warm-up runs (untimed) and then measured runs; the rounds are interleaved (each round
 * runs every case once) so that drift on a shared machine spreads over all cases. Run it with
 * {@code bench/log-core.sh --help}.
 */
public final class LogBench {
    private final Options opts;
    private final Pool pool;
    private final ReadData readData;
    private final List<Case> cases = new ArrayList<>();

    LogBench(Options opts) {
        this.opts = opts;
        this.pool = new Pool(opts);
        this.readData = new ReadData(opts, pool);
    }

    // ------------------------------------------------------------------ driver

    private void defineCases() {
        String fsyncEach = human(Math.min(opts.fsyncEachBytes, opts.bytes));
        int t = opts.threads;
        Options o = opts;
        Pool p = pool;
        ReadData r = readData;
        List<Case> all = List.of(
                new RawWrite(o, p, "raw-write", "raw FileChannel.write, one batch per write, no fsync", 0),
                new RawWrite(o, p, "raw-write-fsync-each", "raw write + force(true) after every write [" + fsyncEach + "]", 1),
                new RawWrite(o, p, "raw-write-fsync-2ms", "raw write; 2nd thread force(true) >= 2 ms apart (group-commit pattern)", 2),
                new Append(o, p, "append-fsync-off", "append, fsync off (flush.ms=3600000), batches reused", Policy.FSYNC_OFF, 1, false),
                new Append(o, p, "append-fsync-off-copy", "append, fsync off, each batch first copied to a new buffer", Policy.FSYNC_OFF,
                        1, true),
                new Append(o, p, "append-group", "append, group commit (default), 1 partition x 1 appender", Policy.GROUP_COMMIT, 1,
                        false),
                new Append(o, p, "append-group-" + t + "p", "append, group commit, " + t + " partitions x " + t + " appenders",
                        Policy.GROUP_COMMIT, t, false),
                new Append(o, p, "append-group-window", "append, group commit, 1 x 1, closed loop: <= " + human(opts.window)
                        + " not yet durable", Policy.GROUP_COMMIT, 1, false, (int) Math.max(1, opts.window / pool.batchSize)),
                new Append(o, p, "append-every-second", "append, flush.ms=1000", Policy.EVERY_SECOND, 1, false),
                new Append(o, p, "append-every-append", "append, flush.messages=1 (fsync in append) [" + fsyncEach + "]",
                        Policy.EVERY_APPEND, 1, false),
                new RawRead(r, "raw-read", "raw FileChannel.read of the segment file into a 1 MiB direct buffer", false),
                new LogRead(r, p, "read", "PartitionLog.read(off, 1 MiB) + FileRecords.readInto(direct buf) + batch walk", false),
                new RawRead(r, "raw-read-sendfile", "raw FileChannel.transferTo(/dev/null), 1 MiB at a time", true),
                new LogRead(r, p, "read-sendfile", "PartitionLog.read(off, 1 MiB) + FileRecords.writeTo(/dev/null)", true));
        for (Case c : all) {
            if (opts.only == null || opts.only.contains(c.id)) {
                cases.add(c);
            }
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("no case matches --cases " + opts.only);
        }
    }

    /** Runs every selected case and prints the results; returns the cases with their measured runs. */
    List<Case> run() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(opts.dir);
        defineCases();
        printHeader();
        boolean reads = cases.stream().anyMatch(c -> c instanceof LogRead || c instanceof RawRead);
        if (reads) {
            readData.prepare();
            System.out.printf("read data set: %s (%d segment file(s), %s, %d records), page cache %s%n",
                    readData.partition.dir(), readData.segmentFiles().size(), human(readData.partition.sizeInBytes()),
                    readData.records,
                    opts.dropCaches ? "dropped before every read run" : "warm (reads are served from memory)");
        }
        try {
            int rounds = opts.warmups + opts.runs;
            for (int round = 0; round < rounds; round++) {
                boolean measured = round >= opts.warmups;
                String tag = measured ? "run " + (round - opts.warmups + 1) + "/" + opts.runs
                        : "warm-up " + (round + 1) + "/" + opts.warmups;
                StringBuilder line = new StringBuilder(tag).append(':');
                for (Case c : cases) {
                    checkSpace();
                    Run r = c.run(round);
                    c.collect(measured);
                    if (measured) {
                        c.runs.add(r);
                    }
                    line.append(String.format(Locale.ROOT, " %s=%.0f", c.id, r.mbps()));
                }
                System.out.println(line.append(" (MB/s)"));
            }
        } finally {
            readData.close();
        }
        printResults((System.nanoTime() - started) / 1e9);
        return cases;
    }

    private void checkSpace() throws IOException {
        long usable = Files.getFileStore(opts.dir).getUsableSpace();
        long need = 2 * opts.bytes + (1L << 30);
        if (usable < need) {
            throw new IOException("only " + human(usable) + " free on " + opts.dir + "; the benchmark needs " + human(need));
        }
    }

    private void printHeader() throws IOException {
        Path abs = opts.dir.toAbsolutePath().normalize();
        FileStore store = Files.getFileStore(opts.dir);
        var rt = ManagementFactory.getRuntimeMXBean();
        var os = ManagementFactory.getOperatingSystemMXBean();
        System.out.println("== log-core storage benchmark ==");
        System.out.printf("machine: %d cores (%s), %s %s, load average %.2f%n", Runtime.getRuntime().availableProcessors(),
                cpuModel(), System.getProperty("os.name"), System.getProperty("os.version"), os.getSystemLoadAverage());
        System.out.printf("jvm: %s %s (%s), max heap %s, flags %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"),
                human(Runtime.getRuntime().maxMemory()), rt.getInputArguments());
        System.out.printf("disk: %s on %s (%s), %s free of %s%n", abs, store.name(), store.type(),
                human(store.getUsableSpace()), human(store.getTotalSpace()));
        System.out.printf("data: %d-byte values, %d records per batch, %d-byte batches (%s buffers), pool of %d distinct batches%n",
                opts.recordBytes, pool.recordsPerBatch, pool.batchSize, opts.direct ? "direct" : "heap", pool.batches.length);
        System.out.printf("per run: %s written per case (%s for fsync-after-every-write cases), %d warm-up + %d measured"
                        + " runs per case, rounds interleaved (each round runs every case once)%n",
                human((long) pool.batchesFor(opts.bytes) * pool.batchSize), human(Math.min(opts.fsyncEachBytes, opts.bytes)),
                opts.warmups, opts.runs);
        System.out.println("fsync = FileChannel.force(true) (what log-core calls); MB = 10^6 bytes; files deleted after every run;"
                + " log flusher threads: " + opts.flusherThreads);
    }

    private void printResults(double seconds) {
        Case rawWrite = find("raw-write");
        Case rawEach = find("raw-write-fsync-each");
        Case raw2ms = find("raw-write-fsync-2ms");
        Case off = find("append-fsync-off");
        Case group = find("append-group");
        Case rawRead = find("raw-read");
        Case read = find("read");

        System.out.println();
        System.out.printf("%-24s %9s %9s %9s %12s %12s %12s %8s  %-22s  %s%n", "case", "MB/s med", "min", "max",
                "rec/s med", "min", "max", "cpu ns/B", "timed to", "what");
        for (Case c : cases) {
            double[] mb = c.stats(Run::mbps);
            double[] rs = c.stats(Run::recps);
            double cpu = c.stats(r -> r.cpuNanos() / (double) r.bytes())[0];
            System.out.printf(Locale.ROOT, "%-24s %9.1f %9.1f %9.1f %12.0f %12.0f %12.0f %8.2f  %-22s  %s%n", c.id, mb[0],
                    mb[1], mb[2], rs[0], rs[1], rs[2], cpu, c.timedTo, c.what);
        }
        System.out.println("cpu ns/B = CPU time (user + system) of the writing or reading threads only (not the log's flusher"
                + " threads) per byte, median: steadier than MB/s on a busy machine");

        System.out.println();
        System.out.printf("%-24s %9s %9s %9s %9s | %-10s %9s %9s %9s %9s%n", "latency (us)", "call:", "p50", "p99",
                "max", "durable:", "p50", "p99", "p99.9", "max");
        for (Case c : cases) {
            if (c.callRecorder == null) {
                continue; // no latency measured
            }
            String d = c.durableRecorder == null
                    ? String.format("%-10s %9s %9s %9s %9s", "", "-", "-", "-", "-")
                    : String.format(Locale.ROOT, "%-10s %9.0f %9.0f %9.0f %9.0f", "", us(c.durable, 50), us(c.durable, 99),
                            us(c.durable, 99.9), c.durable.getMaxValue() / 1e3);
            System.out.printf(Locale.ROOT, "%-24s %9s %9.1f %9.1f %9.0f | %s%n", c.id, "", us(c.call, 50), us(c.call, 99),
                    c.call.getMaxValue() / 1e3, d);
        }
        System.out.println("call = time inside PartitionLog.append (raw: FileChannel.write); durable = from that call returning"
                + " to its awaitDurable future completing (raw: to the end of the first fsync started after it), all measured"
                + " runs.");
        System.out.println("The open-loop cases write as fast as they can:");
        System.out.println("when that outruns the disk, their durable latency is mostly the backlog. The closed-loop case"
                + " (append-group-window) shows the commit latency of a bounded producer.");
        System.out.println("raw-write-fsync-2ms is the physical reference for append-group's latency (same pattern, no log).");

        System.out.println();
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratio(ratios, "fsync_off_append_vs_raw_write", off, rawWrite, 0.80,
                "append fsync off / raw write without fsync");
        ratio(ratios, "group_commit_vs_raw_fsync_2ms", group, raw2ms, 0.50,
                "group commit / raw write + grouped fsync (same pattern: the writer never waits for the fsync, which"
                        + " runs at most every 2 ms; this is the limit group commit can reach)");
        ratio(ratios, "group_commit_vs_raw_fsync_each", group, rawEach, Double.NaN,
                "group commit / raw write + fsync per write (for reference: a lower bound, not the limit)");
        ratio(ratios, "read_vs_raw_read", read, rawRead, Double.NaN, "PartitionLog.read + readInto / raw read");
        if (off != null && rawWrite != null && !off.runs.isEmpty() && !rawWrite.runs.isEmpty()) {
            double r = rawWrite.stats(x -> x.cpuNanos() / (double) x.bytes())[0] / off.stats(x -> x.cpuNanos() / (double) x.bytes())[0];
            ratios.put("cpu_raw_write_vs_fsync_off_append", r);
            System.out.printf(Locale.ROOT, "ratio %-32s %6.3f   (CPU per byte of the raw writer / of the appender, fsync off:"
                    + " the same efficiency measure as the first ratio, less sensitive to other load)%n",
                    "cpu_raw_write_vs_fsync_off_append", r);
        }
        System.out.printf(Locale.ROOT, "total time %.0f s; load average at the end %.2f%n", seconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        StringBuilder json = new StringBuilder("{\"bench\":\"log-core\",\"bytes\":").append(opts.bytes)
                .append(",\"runs\":").append(opts.runs).append(",\"cores\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"dir\":\"").append(opts.dir.toAbsolutePath().normalize().toString().replace("\"", "\\\""))
                .append("\",\"median\":{");
        boolean first = true;
        for (Case c : cases) {
            json.append(first ? "" : ",").append('"').append(c.id).append("\":{")
                    .append(String.format(Locale.ROOT, "\"mb_s\":%.1f,\"rec_s\":%.0f,\"cpu_ns_per_byte\":%.3f", c.stats(Run::mbps)[0],
                            c.stats(Run::recps)[0], c.stats(r -> r.cpuNanos() / (double) r.bytes())[0]));
            if (c.durableRecorder != null) {
                json.append(String.format(Locale.ROOT, ",\"durable_p50_us\":%.0f,\"durable_p99_us\":%.0f,\"durable_max_us\":%.0f",
                        us(c.durable, 50), us(c.durable, 99), c.durable.getMaxValue() / 1e3));
            }
            json.append('}');
            first = false;
        }
        json.append("},\"ratios\":{");
        first = true;
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":")
                    .append(String.format(Locale.ROOT, "%.3f", e.getValue()));
            first = false;
        }
        System.out.println(json.append("}}"));
    }

    private void ratio(Map<String, Double> out, String key, Case a, Case b, double target, String what) {
        if (a == null || b == null || a.runs.isEmpty() || b.runs.isEmpty()) {
            return;
        }
        double r = a.stats(Run::mbps)[0] / b.stats(Run::mbps)[0];
        out.put(key, r);
        String verdict = Double.isNaN(target) ? "" : String.format(Locale.ROOT, "  target >= %.2f: %s", target,
                r >= target ? "MET" : "NOT MET");
        System.out.printf(Locale.ROOT, "ratio %-32s %6.3f%s   (%s, medians)%n", key, r, verdict, what);
    }

    private Case find(String id) {
        return cases.stream().filter(c -> c.id.equals(id)).findFirst().orElse(null);
    }

    private static double us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown cpu");
        } catch (IOException | UncheckedIOException e) {
            return "unknown cpu";
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        new LogBench(o).run();
        System.exit(0); // the log's flusher and maintenance threads are daemons, but be explicit
    }
}
