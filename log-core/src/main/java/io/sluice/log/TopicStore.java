package io.sluice.log;

import io.sluice.log.internals.AtomicFile;
import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * Durable topic metadata: one properties file per topic in {@code <dataDir>/topics.meta/} holding its
 * id, partition count and config overrides. Writing the file is the commit point of a topic's creation
 * (partition directories are made first) and removing it the commit point of a deletion.
 */
final class TopicStore {
    static final String DIR = "topics.meta";
    private static final String SUFFIX = ".topic";

    private final FileIO io;
    private final Path dir;

    TopicStore(FileIO io, Path dataDir) throws IOException {
        this.io = io;
        this.dir = dataDir.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            io.createDirectories(dir);
            io.fsyncDirectory(dataDir);
        }
    }

    void write(TopicDescription t) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", "0");
        p.setProperty("topic_id", t.topicId().toString());
        p.setProperty("partitions", Integer.toString(t.partitions()));
        t.config().overrides().forEach((k, v) -> p.setProperty("config." + k, v));
        StringWriter w = new StringWriter();
        p.store(w, "Sluice topic " + t.name());
        AtomicFile.write(io, dir.resolve(t.name() + SUFFIX), w.toString().getBytes(StandardCharsets.UTF_8));
    }

    void delete(String topic) throws IOException {
        io.deleteIfExists(dir.resolve(topic + SUFFIX));
        io.fsyncDirectory(dir);
    }

    List<TopicDescription> readAll() throws IOException {
        List<TopicDescription> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                String name = f.getFileName().toString();
                name = name.substring(0, name.length() - SUFFIX.length());
                Properties p = new Properties();
                p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
                Map<String, String> overrides = new TreeMap<>();
                for (String k : p.stringPropertyNames()) {
                    if (k.startsWith("config.")) {
                        overrides.put(k.substring("config.".length()), p.getProperty(k));
                    }
                }
                try {
                    out.add(new TopicDescription(name, Uuid.fromString(p.getProperty("topic_id")),
                            Integer.parseInt(p.getProperty("partitions")), TopicConfig.of(overrides)));
                } catch (RuntimeException e) {
                    throw new IOException("unreadable topic metadata " + f + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }
}
