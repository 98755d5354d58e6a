package io.sluice.jobs.bench;

import io.sluice.registry.client.AvroDeserializer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.InvalidPayloadException;
import io.sluice.registry.client.SchemaRegistryClient;
import io.sluice.registry.client.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest benchmark's reference: the simplest correct hand-written loop that does the work of a Sluice
 * ingestion pipeline, one topic into one table, in one thread.
 *
 * <ol>
 *   <li>A {@code KafkaConsumer<byte[], byte[]>} assigned every partition of the topic, from the earliest offset
 *       (no consumer group).</li>
 *   <li>Each value is fully decoded with the registry client's {@link AvroDeserializer} (validation, and the event
 *       time), then written as a table row: the value's Avro body followed by the {@code _sluice} metadata
 *       (topic, partition, offset, timestamp), see {@link RowLayout}.</li>
 *   <li>Rows go to a temporary Avro file (snappy by default) per (source partition, event-time hour
 *       {@code dt=YYYY-MM-DD/hr=HH}).</li>
 *   <li>Every commit interval (10 s by default, on the wall clock even when nothing arrives) and at the end, for
 *       each source partition with new rows: flush + hsync + close its files, write one small journal file
 *       (tmp, hsync, rename) naming the files and the next offset, then rename every file to
 *       {@code <root>/dt=.../hr=.../<topic>+<partition>+<first>+<last>.avro}, checking each rename.</li>
 *   <li>It stops once its position in every partition has reached the end offsets given to {@link #stopAt}.</li>
 * </ol>
 *
 * What it leaves out, on purpose, because a run from earliest to a known end does not need it: resuming from the
 * journal after a crash, dead letters (an undecodable record fails the run, naming topic, partition and offset),
 * {@code _SUCCESS} markers and schema-history checks. The journal write is kept so that a commit costs what an
 * exactly-once commit has to cost.
 *
 * <p>{@link #run()} is single-threaded; {@link #stopAt} may be called from another thread.
 */
public final class PlainLoopIngest {
    private static final Logger LOG = LoggerFactory.getLogger(PlainLoopIngest.class);
    private static final Duration MAX_POLL = Duration.ofMillis(200);

    /**
     * What to ingest and where.
     *
     * @param bootstrap       the log's bootstrap address
     * @param registryUrl     the schema registry's base URL
     * @param topic           the one topic to read
     * @param root            the table root, e.g. {@code hdfs://127.0.0.1:9000/tables/page_views}
     * @param hadoop          the Hadoop configuration for the root's FileSystem
     * @param commitInterval  how often files are committed (default 10 s)
     * @param codec           Avro codec name: snappy (default), deflate, zstd, null
     * @param zone            time zone of the hourly partitions (default UTC)
     * @param eventTimeField  long field holding the event time (default event_time); a record without it is
     *                        placed by its log timestamp
     */
    public record Settings(String bootstrap, String registryUrl, String topic, URI root, Configuration hadoop,
                           Duration commitInterval, String codec, ZoneId zone, String eventTimeField) {
        public Settings {
            Objects.requireNonNull(bootstrap, "bootstrap");
            Objects.requireNonNull(registryUrl, "registryUrl");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(hadoop, "hadoop");
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(eventTimeField, "eventTimeField");
            if (commitInterval == null || commitInterval.isNegative() || commitInterval.isZero()) {
                throw new IllegalArgumentException("commitInterval must be positive, got " + commitInterval);
            }
            CodecFactory.fromString(codec); // refuses an unknown codec name now rather than at the first file
        }

        public static Settings of(String bootstrap, String registryUrl, String topic, URI root, Configuration hadoop) {
            return new Settings(bootstrap, registryUrl, topic, root, hadoop, Duration.ofSeconds(10), "snappy", ZoneOffset.UTC, "event_time");
        }

        public Settings withCommitInterval(Duration d) {
            return new Settings(bootstrap, registryUrl, topic, root, hadoop, d, codec, zone, eventTimeField);
        }

        public Settings withCodec(String c) {
            return new Settings(bootstrap, registryUrl, topic, root, hadoop, commitInterval, c, zone, eventTimeField);
        }
    }

    /** Told after each source partition's commit: when it became visible and the log timestamps of its rows. */
    @FunctionalInterface
    public interface CommitListener {
        void committed(long committedAtMillis, long[] logTimestamps, int count);
    }

    /**
     * What a run did.
     *
     * @param records      rows committed
     * @param inputBytes   key + value bytes consumed
     * @param outputBytes  bytes of the committed data files
     * @param files        data files committed
     * @param commits      journal entries written (one per source partition per commit with new rows)
     * @param startup      from {@link #run()} to the first record in hand (connect, assign, first fetch)
     * @param elapsed      from the first record in hand to the last commit done: the throughput's time base
     * @param committing   part of {@code elapsed} spent committing (hsync, close, journal, renames)
     */
    public record Result(long records, long inputBytes, long outputBytes, long files, long commits, Duration startup,
                         Duration elapsed, Duration committing) {
        public double recordsPerSecond() {
            return elapsed.isZero() ? 0 : records * 1e9 / elapsed.toNanos();
        }

        public double inputMegabytesPerSecond() {
            return elapsed.isZero() ? 0 : inputBytes * 1e9 / elapsed.toNanos() / (1024.0 * 1024.0);
        }
    }

    private final Settings settings;
    private final RowLayout layout;
    private final CodecFactory codec;
    private volatile Map<Integer, Long> endOffsets;
    private volatile CommitListener listener;
    private volatile Runnable onReady = () -> { };

    public PlainLoopIngest(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.layout = new RowLayout(settings.zone());
        this.codec = CodecFactory.fromString(settings.codec());
    }

    /**
     * Where to stop: per partition, the offset to read up to (exclusive); records at or beyond it are not ingested
     * and a partition missing from the map is not waited for. Until this is called, {@link #run()} runs on. May be
     * called before or while {@link #run()} runs.
     */
    public PlainLoopIngest stopAt(Map<Integer, Long> endOffsets) {
        this.endOffsets = Map.copyOf(endOffsets);
        return this;
    }

    /** Receives every commit's log timestamps (for produce-to-committed latency); set before {@link #run()}. */
    public PlainLoopIngest onCommit(CommitListener l) {
        this.listener = l;
        return this;
    }

    /** Called once the consumer is assigned and positioned, before the first poll. */
    public PlainLoopIngest onReady(Runnable r) {
        this.onReady = Objects.requireNonNull(r, "onReady");
        return this;
    }

    /** Runs until {@link #stopAt} is reached; everything consumed is committed when it returns. */
    public Result run() throws IOException {
        long runStart = System.nanoTime();
        FileSystem fs = FileSystem.newInstance(settings.root(), settings.hadoop());
        SchemaRegistryClient registry = new CachedSchemaRegistryClient(settings.registryUrl());
        AvroDeserializer deserializer = new AvroDeserializer(registry);
        deserializer.configure(Map.of(), false);
        try (fs; KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
            Loop loop = new Loop(fs, registry, deserializer, consumer, runStart);
            try {
                return loop.run();
            } catch (IOException | RuntimeException e) {
                loop.abandon();
                throw e;
            }
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-plain-loop");
        return c;
    }

    /** The state of one run. */
    private final class Loop {
        private final FileSystem fs;
        private final SchemaRegistryClient registry;
        private final AvroDeserializer deserializer;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final long runStart;
        private final Path root;
        private final Map<TopicPartition, SourcePartition> sources = new LinkedHashMap<>();
        private final Set<Path> knownDirs = new HashSet<>();
        private final RowBuffer row = new RowBuffer();
        private final BinaryEncoder encoder;
        private long records;
        private long inputBytes;
        private long outputBytes;
        private long files;
        private long commits;
        private long firstRecordAt = -1;
        private long committingNanos;

        Loop(FileSystem fs, SchemaRegistryClient registry, AvroDeserializer deserializer,
             KafkaConsumer<byte[], byte[]> consumer, long runStart) {
            this.fs = fs;
            this.registry = registry;
            this.deserializer = deserializer;
            this.consumer = consumer;
            this.runStart = runStart;
            this.root = new Path(settings.root());
            this.encoder = EncoderFactory.get().directBinaryEncoder(row, null);
        }

        Result run() throws IOException {
            List<PartitionInfo> infos = consumer.partitionsFor(settings.topic(), Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic '" + settings.topic() + "' has no partitions at " + settings.bootstrap());
            }
            List<TopicPartition> tps = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            for (TopicPartition tp : tps) {
                sources.put(tp, new SourcePartition(tp));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            onReady.run();
            long interval = settings.commitInterval().toNanos();
            long nextCommit = System.nanoTime() + interval;
            while (!reachedEnd()) {
                long wait = Math.max(0, nextCommit - System.nanoTime());
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofNanos(Math.min(wait, MAX_POLL.toNanos())));
                Map<Integer, Long> ends = endOffsets;
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (ends != null && r.offset() >= ends.getOrDefault(r.partition(), Long.MAX_VALUE)) {
                        continue; // beyond where this run was told to stop
                    }
                    add(r);
                }
                if (System.nanoTime() >= nextCommit) {
                    commitAll();
                    nextCommit = System.nanoTime() + interval;
                }
            }
            commitAll();
            long done = System.nanoTime();
            long first = firstRecordAt < 0 ? done : firstRecordAt;
            Result result = new Result(records, inputBytes, outputBytes, files, commits, Duration.ofNanos(first - runStart),
                    Duration.ofNanos(done - first), Duration.ofNanos(committingNanos));
            LOG.info("plain loop: {} records of {} into {} in {} ms ({} records/s), {} files, {} commits taking {} ms",
                    records, settings.topic(), root, result.elapsed().toMillis(), Math.round(result.recordsPerSecond()), files, commits,
                    result.committing().toMillis());
            return result;
        }

        private boolean reachedEnd() {
            Map<Integer, Long> ends = endOffsets;
            if (ends == null) {
                return false;
            }
            for (TopicPartition tp : sources.keySet()) {
                Long end = ends.get(tp.partition());
                // position() counts gaps and control records, which a "last offset seen" would not
                if (end != null && consumer.position(tp) < end) {
                    return false;
                }
            }
            return true;
        }

        private void add(ConsumerRecord<byte[], byte[]> r) throws IOException {
            if (firstRecordAt < 0) {
                firstRecordAt = System.nanoTime();
            }
            byte[] value = r.value();
            if (value == null) {
                throw new IllegalStateException("null value (tombstone) at " + where(r) + ": a table row needs a record");
            }
            GenericRecord decoded;
            try {
                decoded = (GenericRecord) deserializer.deserialize(r.topic(), value);
            } catch (InvalidPayloadException | ClassCastException e) {
                throw new IllegalStateException("cannot decode the value at " + where(r) + ": " + e.getMessage(), e);
            }
            int schemaId = ByteBuffer.wrap(value, 1, 4).getInt();
            Object t = decoded.hasField(settings.eventTimeField()) ? decoded.get(settings.eventTimeField()) : null;
            long eventTime = t instanceof Long l ? l : r.timestamp();
            String path = layout.pathFor(eventTime);

            SourcePartition source = sources.get(new TopicPartition(r.topic(), r.partition()));
            PlainLoopFile file = source.open.get(path);
            if (file != null && file.schemaId() != schemaId) {
                // a new writer schema: commit what this partition has so that each file keeps one schema
                commit(source);
                file = null;
            }
            if (file == null) {
                Path tmp = new Path(root, "_plain/tmp/" + r.topic() + "+" + r.partition() + "/" + path.replace('/', '_')
                        + "+" + r.offset() + ".avro");
                file = new PlainLoopFile(fs, tmp, path, schemaId, layout.rowSchema(registry.getById(schemaId)), codec, r.offset());
                source.open.put(path, file);
            }
            row.reset();
            row.write(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE);
            encoder.writeString(r.topic());
            encoder.writeInt(r.partition());
            encoder.writeLong(r.offset());
            encoder.writeLong(r.timestamp());
            file.append(row.asByteBuffer(), r.offset());
            source.pending(r.timestamp(), listener != null);
            source.nextOffset = r.offset() + 1;
            inputBytes += value.length + (r.key() == null ? 0 : r.key().length);
        }

        private void commitAll() throws IOException {
            long t0 = System.nanoTime();
            for (SourcePartition source : sources.values()) {
                commit(source);
            }
            committingNanos += System.nanoTime() - t0;
        }

        /** Durable files, then the journal entry (the commit point), then the renames. */
        private void commit(SourcePartition source) throws IOException {
            if (source.open.isEmpty()) {
                return;
            }
            List<PlainLoopFile> done = new ArrayList<>(source.open.values());
            StringBuilder journal = new StringBuilder(256).append("{\"topic\":\"").append(source.tp.topic())
                    .append("\",\"partition\":").append(source.tp.partition()).append(",\"seq\":").append(source.seq)
                    .append(",\"nextOffset\":").append(source.nextOffset).append(",\"files\":[");
            List<Path> finals = new ArrayList<>(done.size());
            long rows = 0;
            for (int i = 0; i < done.size(); i++) {
                PlainLoopFile f = done.get(i);
                long length = f.finish();
                outputBytes += length;
                rows += f.records();
                Path target = new Path(new Path(root, f.partitionPath()),
                        source.tp.topic() + "+" + source.tp.partition() + "+" + f.firstOffset() + "+" + f.lastOffset() + ".avro");
                finals.add(target);
                journal.append(i == 0 ? "" : ",").append("{\"tmp\":\"").append(f.tmp()).append("\",\"path\":\"").append(target)
                        .append("\",\"records\":").append(f.records()).append(",\"bytes\":").append(length).append('}');
            }
            journal.append("]}");
            writeJournal(source, journal.toString());
            for (int i = 0; i < done.size(); i++) {
                Path target = finals.get(i);
                ensureDir(target.getParent());
                if (!fs.rename(done.get(i).tmp(), target)) {
                    throw new IOException("rename of " + done.get(i).tmp() + " to " + target + " returned false");
                }
            }
            long committedAt = System.currentTimeMillis();
            source.open.clear();
            source.seq++;
            records += rows;
            files += done.size();
            commits++;
            CommitListener l = listener;
            if (l != null) {
                l.committed(committedAt, source.timestamps, source.timestampCount);
            }
            source.timestampCount = 0;
        }

        private void writeJournal(SourcePartition source, String json) throws IOException {
            Path dir = new Path(root, "_plain/journal/" + source.tp.topic() + "+" + source.tp.partition());
            ensureDir(dir);
            Path tmp = new Path(dir, source.seq + ".json.tmp");
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
                out.hsync();
            }
            Path entry = new Path(dir, source.seq + ".json");
            if (!fs.rename(tmp, entry)) {
                throw new IOException("rename of journal entry " + tmp + " to " + entry + " returned false");
            }
        }

        private void ensureDir(Path dir) throws IOException {
            if (knownDirs.add(dir) && !fs.mkdirs(dir)) {
                throw new IOException("cannot create directory " + dir);
            }
        }

        void abandon() {
            for (SourcePartition s : sources.values()) {
                s.open.values().forEach(PlainLoopFile::abandon);
            }
        }

        private static String where(ConsumerRecord<?, ?> r) {
            return r.topic() + "-" + r.partition() + "@" + r.offset();
        }
    }

    /** One source partition's uncommitted files and, when latency is measured, its rows' log timestamps. */
    private static final class SourcePartition {
        final TopicPartition tp;
        final Map<String, PlainLoopFile> open = new HashMap<>();
        long nextOffset;
        long seq;
        long[] timestamps = new long[0];
        int timestampCount;

        SourcePartition(TopicPartition tp) {
            this.tp = tp;
        }

        void pending(long timestamp, boolean track) {
            if (!track) {
                return;
            }
            if (timestampCount == timestamps.length) {
                timestamps = Arrays.copyOf(timestamps, Math.max(1024, timestamps.length * 2));
            }
            timestamps[timestampCount++] = timestamp;
        }
    }

    /** A ByteArrayOutputStream whose bytes can be wrapped without a copy. */
    private static final class RowBuffer extends ByteArrayOutputStream {
        RowBuffer() {
            super(1024);
        }

        ByteBuffer asByteBuffer() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }
}
