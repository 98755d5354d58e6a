package io.sluice.log.bench;

import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The data set of the read cases ({@link LogRead}, {@link RawRead}): one partition written once, its read
 * buffer and {@code /dev/null}. Made by {@link #prepare()} when a read case is selected, removed by {@link #close()}.
 */
final class ReadData {
    static final int READ_MAX_BYTES = 1 << 20;

    private final Options opts;
    private final Pool pool;
    LogManager log;
    PartitionLog partition;
    long records;
    ByteBuffer buffer;
    FileChannel devNull;
    NullChannel nullChannel;

    ReadData(Options opts, Pool pool) {
        this.opts = opts;
        this.pool = pool;
    }

    /** Writes the read data set once (fsync off, then one flush): one partition, the same batch sequence. */
    void prepare() throws IOException {
        Path d = opts.dir.resolve("read-data");
        LogBench.deleteRecursively(d);
        log = LogManager.open(opts.logConfig(d));
        log.createTopic("read", 1, Policy.FSYNC_OFF.overrides);
        partition = log.partition("read", 0);
        MemoryRecords[] src = pool.slice(0, 1);
        int n = pool.batchesFor(opts.bytes);
        for (int i = 0; i < n; i++) {
            partition.append(src[i % src.length]);
        }
        partition.flush();
        records = partition.highWatermark() - partition.logStartOffset();
        buffer = ByteBuffer.allocateDirect(READ_MAX_BYTES + 2 * pool.batchSize);
        devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        nullChannel = new NullChannel(devNull);
    }

    List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(partition.dir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    void maybeDropCaches() {
        if (!opts.dropCaches) {
            return;
        }
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
        } catch (IOException e) {
            throw new UncheckedIOException("--drop-caches needs root: " + e.getMessage(), e);
        }
    }

    /** Closes the log and {@code /dev/null} and deletes the data set, if {@link #prepare()} made it. */
    void close() throws IOException {
        if (log != null) {
            log.close();
            devNull.close();
            LogBench.deleteRecursively(opts.dir.resolve("read-data"));
        }
    }
}
