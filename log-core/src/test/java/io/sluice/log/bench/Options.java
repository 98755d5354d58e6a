package io.sluice.log.bench;

import io.sluice.log.LogManagerConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** The command line of {@link LogBench}: sizes, counts and which cases run. */
final class Options {
    Path dir = Path.of("target", "log-bench");
    long bytes = 256L << 20;
    long fsyncEachBytes = 64L << 20;
    int runs = 5;
    int warmups = 1;
    int batchBytes = 16 * 1024;
    int recordBytes = 100;
    int threads = 4;
    long poolBytes = 16L << 20;
    long window = 4L << 20;
    int flusherThreads = LogManagerConfig.defaults(Path.of(".")).flusherThreads();
    boolean direct;
    boolean dropCaches;
    Set<String> only;

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--dir" -> { o.dir = Path.of(need(a, v)); i++; }
                case "--bytes" -> { o.bytes = size(need(a, v)); i++; }
                case "--fsync-each-bytes" -> { o.fsyncEachBytes = size(need(a, v)); i++; }
                case "--runs" -> { o.runs = Integer.parseInt(need(a, v)); i++; }
                case "--warmups" -> { o.warmups = Integer.parseInt(need(a, v)); i++; }
                case "--batch-bytes" -> { o.batchBytes = (int) size(need(a, v)); i++; }
                case "--record-bytes" -> { o.recordBytes = (int) size(need(a, v)); i++; }
                case "--threads" -> { o.threads = Integer.parseInt(need(a, v)); i++; }
                case "--pool-bytes" -> { o.poolBytes = size(need(a, v)); i++; }
                case "--window" -> { o.window = size(need(a, v)); i++; }
                case "--flusher-threads" -> { o.flusherThreads = Integer.parseInt(need(a, v)); i++; }
                case "--direct" -> o.direct = true;
                case "--drop-caches" -> o.dropCaches = true;
                case "--cases" -> { o.only = new LinkedHashSet<>(Arrays.asList(need(a, v).split(","))); i++; }
                case "--help", "-h" -> { usage(); System.exit(0); }
                default -> { System.err.println("unknown option " + a); usage(); System.exit(2); }
            }
        }
        if (o.runs < 1 || o.warmups < 1 || o.threads < 1 || o.bytes < o.batchBytes) {
            System.err.println("need --runs >= 1, --warmups >= 1, --threads >= 1 and --bytes >= --batch-bytes");
            System.exit(2);
        }
        return o;
    }

    /** The log's configuration for a run in {@code dataDir}: the defaults with {@code --flusher-threads}. */
    LogManagerConfig logConfig(Path dataDir) {
        LogManagerConfig d = LogManagerConfig.defaults(dataDir);
        return new LogManagerConfig(dataDir, d.topicDefaults(), flusherThreads, d.retentionCheckIntervalMs(),
                d.recoveryCheckpointIntervalMs(), d.fileIO(), d.time(), d.fileDescriptors(),
                d.producerIdExpirationMs(), d.scrubBytesPerSecond());
    }

    private static String need(String opt, String v) {
        if (v == null) {
            System.err.println(opt + " needs a value");
            System.exit(2);
        }
        return v;
    }

    static long size(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mul = 1;
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> mul = 1L << 10;
            case 'm' -> mul = 1L << 20;
            case 'g' -> mul = 1L << 30;
            default -> mul = 1;
        }
        if (mul > 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mul;
    }

    static void usage() {
        System.err.println("""
                usage: LogBench [options]
                  --dir DIR               data directory on the disk to measure (default target/log-bench)
                  --bytes SIZE            bytes written per run of each case (default 256m)
                  --fsync-each-bytes SIZE bytes per run for the fsync-after-every-write cases (default 64m)
                  --runs N                measured runs per case (default 5)
                  --warmups N             untimed warm-up runs per case (default 1, at least 1)
                  --batch-bytes SIZE      record batch size (default 16k)
                  --record-bytes N        record value size (default 100)
                  --threads N             partitions x appender threads of the multi-partition case (default 4)
                  --pool-bytes SIZE       distinct batches built up front, reused in turn (default 16m)
                  --window SIZE           appended-but-not-durable bytes allowed in the closed-loop case (default 4m)
                  --flusher-threads N     the log's fsync threads (default: LogManagerConfig's, 2)
                  --direct                keep the batches in direct buffers (default: heap, as MemoryRecordsBuilder makes them)
                  --drop-caches           drop the page cache before every read run (root; affects the whole machine)
                  --cases a,b,...         run only these case ids (see the table for ids)
                SIZE takes k/m/g suffixes (powers of 2).""");
    }
}
