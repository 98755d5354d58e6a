package io.sluice.log;

import io.sluice.log.internals.AtomicFile;
import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code <dataDir>/recovery-point-offset-checkpoint}: for each partition, an offset below which every
 * record is known to be fsynced, so that recovery after an unclean stop scans only what came after.
 * <pre>
 *   0                                  (version)
 *   N                                  (entries)
 *   topic partition offset topicId     (N lines)
 * </pre>
 * The topic id guards against a checkpoint entry of a deleted topic applying to a new one of the same name.
 */
final class RecoveryCheckpoint {
    static final String FILE = "recovery-point-offset-checkpoint";

    record Key(String topic, int partition, String topicId) {
    }

    private RecoveryCheckpoint() {
    }

    static void write(FileIO io, Path dataDir, Map<Key, Long> points) throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(points.size()).append('\n');
        points.forEach((k, v) -> sb.append(k.topic()).append(' ').append(k.partition()).append(' ').append(v)
                .append(' ').append(k.topicId()).append('\n'));
        AtomicFile.write(io, dataDir.resolve(FILE), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The recorded points; empty when the file is missing or unreadable (then everything is recovered). */
    static Map<Key, Long> read(Path dataDir) {
        Map<Key, Long> out = new HashMap<>();
        try {
            byte[] bytes = AtomicFile.readIfExists(dataDir.resolve(FILE));
            if (bytes == null) {
                return out;
            }
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
            int n = Integer.parseInt(lines[1].trim());
            for (int i = 0; i < n; i++) {
                String[] f = lines[2 + i].trim().split(" ");
                out.put(new Key(f[0], Integer.parseInt(f[1]), f[3]), Long.parseLong(f[2]));
            }
        } catch (IOException | RuntimeException e) {
            out.clear();
        }
        return out;
    }
}
