package io.sluice.log.bench;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Raw sequential reads of the read data set's segment files, into a buffer or to {@code /dev/null}. */
final class RawRead extends Case {
    private final ReadData data;
    final boolean zeroCopy;

    RawRead(ReadData data, String id, String what, boolean zeroCopy) {
        super(id, what, "last byte consumed");
        this.data = data;
        this.zeroCopy = zeroCopy;
    }

    @Override
    Run run(int round) throws Exception {
        data.maybeDropCaches();
        List<Path> files = data.segmentFiles();
        long bytes = 0;
        long c0 = cpuNow();
        long t0 = System.nanoTime();
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                if (zeroCopy) {
                    long size = ch.size();
                    long pos = 0;
                    while (pos < size) {
                        pos += ch.transferTo(pos, Math.min(ReadData.READ_MAX_BYTES, size - pos), data.devNull);
                    }
                    bytes += size;
                } else {
                    ByteBuffer buf = data.buffer;
                    while (true) {
                        buf.clear().limit(ReadData.READ_MAX_BYTES);
                        int n = ch.read(buf);
                        if (n < 0) {
                            break;
                        }
                        bytes += n;
                    }
                }
            }
        }
        long t1 = System.nanoTime();
        return new Run(bytes, data.records, t1 - t0, cpuNow() - c0);
    }
}
