package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.SchemaRegistryClient;
import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of an exactly-once test: whether a table holds every record a {@link SteadyProducer} wrote, each once and
 * intact, judged from every committed Avro file (not from the journal or from metrics).
 */
final class ExactlyOnceAudit {
    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceAudit.class);
    private static final int SHOWN = 10;

    private ExactlyOnceAudit() {}

    /** A sink opened the way the pipeline opens it, to read journals and run recovery from the test. */
    static TableSink openSink(TableSpec spec, String registryUrl) {
        SchemaRegistryClient registry = new CachedSchemaRegistryClient(registryUrl);
        return TableSink.open(spec, IngestEnvironment.hadoopConf(), id -> {
            try {
                return registry.getById(id);
            } catch (Exception e) {
                throw new IllegalStateException("schema " + id + " is not in the registry at " + registryUrl, e);
            }
        }, new MetricRegistry(), CommitHook.NONE);
    }

    /** Records committed so far: the sum of the journals' next offsets (each partition starts at offset 0). */
    static long committedThrough(TableSink sink) {
        long sum = 0;
        for (JournalEntry e : sink.heads().values()) {
            sum += e.nextOffset();
        }
        return sum;
    }

    /** Whether every source partition's journal has reached {@code end} (the log end offsets). */
    static boolean journalsCover(TableSink sink, Map<TopicPartition, Long> end) {
        Map<TopicPartition, JournalEntry> heads = sink.heads();
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            JournalEntry head = heads.get(e.getKey());
            if (head == null || head.nextOffset() < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs recovery once more (as the next start would) and checks it has nothing left to do: no temporary file of
     * any commit remains under {@code _sluice/tmp}, and the journals stand exactly at the log end.
     */
    static void assertRecoveredAndCaughtUp(TableSpec spec, String registryUrl, Map<TopicPartition, Long> end)
            throws IOException {
        Path tmpRoot = new Path(spec.root(), "_sluice/tmp");
        FileSystem fs = tmpRoot.getFileSystem(IngestEnvironment.hadoopConf());
        List<String> before = files(fs, tmpRoot);
        if (!before.isEmpty()) {
            LOG.info("temporary files before the final recovery of {}: {}", spec.name(), before);
        }
        TableSink sink = openSink(spec, registryUrl);
        sink.recover();
        assertThat(files(fs, tmpRoot)).as("temporary files under %s after recovery", tmpRoot).isEmpty();
        assertThat(sink.stoppedReason()).as("table %s stopped", spec.name()).isEmpty();
        Map<TopicPartition, Long> journal = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
        sink.heads().forEach((tp, e) -> journal.put(tp, e.nextOffset()));
        Map<TopicPartition, Long> expected = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
        expected.putAll(end);
        assertThat(journal).as("journal next offsets of %s (the log end offsets)", spec.name()).isEqualTo(expected);
    }

    private static List<String> files(FileSystem fs, Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                out.add(it.next().getPath().toString());
            }
        } catch (FileNotFoundException e) {
            return out;
        }
        return out;
    }

    /**
     * Reads every committed data file of the table and checks it against what {@code produced} wrote: exactly n
     * rows; n distinct (topic, partition, offset) sources, each one the log acknowledged; each row the very record
     * written at its source (key index, url, event time); every key from k0 to k(n-1) once; every row in the hour
     * partition of its event time; and as many hour partitions as the events spread over.
     */
    static void assertExactlyOnce(TableReader reader, SteadyProducer produced) {
        Map<String, Integer> expected = produced.indexBySource();
        int n = produced.n();
        Map<String, Integer> seen = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        TreeSet<Integer> keys = new TreeSet<>();
        long[] rows = {0};
        List<Path> files = reader.committedFiles();
        for (Path file : files) {
            String hourDir = file.getParent().getParent().getName() + "/" + file.getParent().getName();
            reader.read(file, reader.latestSchema(), row -> {
                rows[0]++;
                GenericRecord meta = (GenericRecord) row.get("_sluice");
                String topic = meta.get("topic").toString();
                String source = meta.get("partition") + "@" + meta.get("offset");
                seen.merge(topic + "-" + source, 1, Integer::sum);
                Integer i = topic.equals(produced.topic()) ? expected.get(source) : null;
                if (i == null) {
                    unexpected.add(topic + "-" + source + " " + row.get("id"));
                    return;
                }
                keys.add(i);
                long time = SteadyProducer.eventTime(i, n, produced.hours());
                String id = row.get("id").toString();
                if (!id.equals(SteadyProducer.key(i)) || !row.get("url").toString().equals("/p/" + id)
                        || (Long) row.get("viewed_at") != time || (Long) meta.get("timestamp") != time
                        || !Rows.hourPath(time).equals(hourDir)) {
                    wrong.add(topic + "-" + source + " in " + hourDir + " holds " + row + ", expected record " + i
                            + " at " + Rows.hourPath(time));
                }
            });
        }
        List<String> duplicated = new ArrayList<>();
        seen.forEach((source, count) -> {
            if (count > 1) {
                duplicated.add(source + " x" + count);
            }
        });
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            if (!seen.containsKey(produced.topic() + "-" + e.getKey())) {
                missing.add(produced.topic() + "-" + e.getKey() + " (" + SteadyProducer.key(e.getValue()) + ")");
            }
        }
        LOG.info("audit of {}: {} files, {} rows, {} distinct sources, {} missing, {} duplicated, {} unexpected,"
                        + " {} wrong", produced.topic(), files.size(), rows[0], seen.size(), missing.size(),
                duplicated.size(), unexpected.size(), wrong.size());
        assertThat(first(missing)).as("sources missing from the table (%d of %d)", missing.size(), n).isEmpty();
        assertThat(first(duplicated)).as("sources in the table more than once (%d)", duplicated.size()).isEmpty();
        assertThat(first(unexpected)).as("rows whose source the producer never wrote (%d)", unexpected.size())
                .isEmpty();
        assertThat(first(wrong)).as("rows that differ from the record at their source (%d)", wrong.size()).isEmpty();
        assertThat(rows[0]).as("rows in the table").isEqualTo(n);
        assertThat(seen).as("distinct (topic, partition, offset) in the table").hasSize(n);
        assertThat(keys).as("distinct keys in the table").hasSize(n);
        assertThat(keys.first()).as("lowest key index").isZero();
        assertThat(keys.last()).as("highest key index").isEqualTo(n - 1);
        assertThat(Rows.hourDirectories(files)).as("hour partitions of the table").hasSize(produced.hours());
        assertThat(reader.deadLetterFiles()).as("dead-letter files (every record is valid)").isEmpty();
    }

    private static List<String> first(List<String> values) {
        return new TreeSet<>(values).stream().limit(SHOWN).toList();
    }
}
