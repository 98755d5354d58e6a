package io.sluice.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state, kept durably in a compacted single-partition topic laid out like Confluent's
 * {@code _schemas}. Every write goes to Kafka first and is applied to memory only when the reader thread reads it
 * back, so all state comes from the topic; on start the topic is read to its end. Writes are serialised by one
 * lock: ids are max id + 1, never shared, skipped or reused.
 */
public final class SchemaStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    /** One version of a subject. */
    public record SchemaEntry(String subject, int version, int id, String schema, Schema parsed, boolean deleted) {}

    private final String topic;
    private final TopicPartition tp;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private volatile boolean running = true;
    private volatile Throwable readerFailure;

    // state, guarded by "this"
    private final Map<String, TreeMap<Integer, SchemaEntry>> subjects = new HashMap<>();
    private final Map<Integer, SchemaEntry> byId = new HashMap<>();
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int maxId;
    /**
     * The largest record (key and value) the registry writes: the producer's default max.request.size and the
     * topic's default max.message.bytes are 1 MiB, of which a record batch's framing takes a few dozen bytes.
     */
    static final int MAX_RECORD_BYTES = 1_000_000;
    private long appliedOffset; // next offset to read
    /** Records the reader could not apply, by offset (the newest 1000): a write of one of them failed. */
    private final java.util.TreeMap<Long, String> unapplied = new java.util.TreeMap<>();
    /**
     * Runs before a record is applied: for tests only, to stand for a record that cannot be applied (no input
     * found yet makes Avro parse a schema at registration and refuse it when it is read back).
     */
    volatile java.util.function.Consumer<String> applyHook = value -> { };

    private SchemaStore(String bootstrapServers, String topic) {
        this.topic = topic;
        this.tp = new TopicPartition(topic, 0);
        ensureTopic(bootstrapServers, topic);
        Properties pp = new Properties();
        pp.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-registry-producer");
        this.producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer());
        Properties cp = new Properties();
        cp.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-registry-reader");
        this.consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer());
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), WRITE_TIMEOUT).getOrDefault(tp, 0L);
        this.reader = new Thread(this::readLoop, "sluice-registry-reader-" + topic);
        reader.setDaemon(true);
        reader.start();
        try {
            awaitApplied(end);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("schema registry store on {} loaded to offset {}: {} schema ids, {} subjects", topic, end, maxId,
                subjects.size());
    }

    /** Creates the topic if missing, then reads it to its end. */
    public static SchemaStore open(String bootstrapServers, String topic) {
        return new SchemaStore(bootstrapServers, topic);
    }

    private static void ensureTopic(String bootstrapServers, String topic) {
        Properties ap = new Properties();
        ap.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(ap)) {
            NewTopic nt = new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(nt)).all().get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new RegistryException(RegistryException.STORE_ERROR, "Cannot create topic " + topic + ": " + e.getCause(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.STORE_ERROR, "Interrupted creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new RegistryException(RegistryException.STORE_ERROR, "Timed out creating topic " + topic, e);
        }
    }

    private void readLoop() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                long pos = consumer.position(tp);
                synchronized (this) {
                    for (ConsumerRecord<String, String> r : records) {
                        try {
                            applyHook.accept(r.value());
                            apply(r.key(), r.value());
                        } catch (RuntimeException e) {
                            LOG.warn("skipping unreadable record at {}-{} offset {}: {}", topic, 0, r.offset(), e.toString());
                            unapplied.put(r.offset(), e.toString());
                            while (unapplied.size() > 1000) {
                                unapplied.pollFirstEntry();
                            }
                        }
                    }
                    appliedOffset = pos;
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            if (running) {
                LOG.error("schema registry reader of {} stopped", topic, t);
                readerFailure = t;
            }
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private void apply(String key, String value) throws RuntimeException {
        JsonNode k = readJson(key);
        String type = k.path("keytype").asText("");
        switch (type) {
            case "SCHEMA" -> {
                String subject = k.path("subject").asText();
                int version = k.path("version").asInt();
                if (value == null) {
                    TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
                    if (versions != null) {
                        versions.remove(version);
                        if (versions.isEmpty()) {
                            subjects.remove(subject);
                        }
                    }
                    return;
                }
                JsonNode v = readJson(value);
                int id = v.path("id").asInt();
                String text = v.path("schema").asText();
                Schema parsed = byId.containsKey(id) ? byId.get(id).parsed() : parse(text);
                SchemaEntry e = new SchemaEntry(subject, version, id, text, parsed, v.path("deleted").asBoolean(false));
                subjects.computeIfAbsent(subject, s -> new TreeMap<>()).put(version, e);
                byId.putIfAbsent(id, e);
                idBySchema.putIfAbsent(parsed, id);
                maxId = Math.max(maxId, id);
            }
            case "CONFIG" -> {
                JsonNode s = k.path("subject");
                CompatibilityLevel level = value == null ? null
                        : CompatibilityLevel.parse(readJson(value).path("compatibilityLevel").asText());
                if (s.isMissingNode() || s.isNull()) {
                    globalLevel = level == null ? CompatibilityLevel.BACKWARD : level;
                } else if (level == null) {
                    subjectLevels.remove(s.asText());
                } else {
                    subjectLevels.put(s.asText(), level);
                }
            }
            default -> {
                // NOOP, DELETE_SUBJECT (soft deletes are written as SCHEMA records with deleted=true) and unknown
            }
        }
    }

    private static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException("not JSON: " + s, e);
        }
    }

    /** Parses an Avro schema; 42201 if it is not one. */
    public static Schema parse(String schema) {
        if (schema == null || schema.isBlank()) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema: empty schema");
        }
        try {
            return new Schema.Parser().parse(schema);
        } catch (AvroRuntimeException | NullPointerException | IllegalArgumentException e) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema " + schema + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- writes

    /** Registers {@code schema} under {@code subject}; returns its id (the existing one if already registered). */
    public int register(String subject, String schema) {
        Schema parsed = parse(schema);
        writeLock.lock();
        try {
            int id;
            int version;
            synchronized (this) {
                checkReader();
                List<SchemaEntry> live = live(subject);
                for (SchemaEntry e : live) {
                    if (e.parsed().equals(parsed)) {
                        return e.id();
                    }
                }
                List<String> problems = level(subject).check(parsed, previous(live));
                if (!problems.isEmpty()) {
                    throw incompatible(subject, problems);
                }
                Integer existing = idBySchema.get(parsed);
                id = existing != null ? existing : maxId + 1;
                TreeMap<Integer, SchemaEntry> all = subjects.get(subject);
                version = all == null || all.isEmpty() ? 1 : all.lastKey() + 1;
            }
            String canonical = parsed.toString();
            String key = schemaKey(subject, version);
            String value = schemaValue(subject, version, id, canonical, false);
            long bytes = (long) key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_RECORD_BYTES) {
                throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema: stored in " + topic
                        + " it takes " + bytes + " bytes; the registry stores schemas of up to " + MAX_RECORD_BYTES
                        + " bytes (within Kafka's default max.message.bytes of 1 MiB)");
            }
            write(key, value);
            return id;
        } finally {
            writeLock.unlock();
        }
    }

    /** Soft-deletes every live version of the subject; returns the deleted versions. */
    public List<Integer> deleteSubject(String subject) {
        writeLock.lock();
        try {
            List<SchemaEntry> live;
            synchronized (this) {
                checkReader();
                live = live(subject);
            }
            if (live.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            List<Integer> versions = new ArrayList<>();
            for (SchemaEntry e : live) {
                write(schemaKey(subject, e.version()), schemaValue(subject, e.version(), e.id(), e.schema(), true));
                versions.add(e.version());
            }
            return versions;
        } finally {
            writeLock.unlock();
        }
    }

    /** Soft-deletes one version ({@code -1} = latest); returns its number. */
    public int deleteVersion(String subject, int version) {
        writeLock.lock();
        try {
            SchemaEntry e;
            synchronized (this) {
                checkReader();
                e = version(subject, version);
            }
            write(schemaKey(subject, e.version()), schemaValue(subject, e.version(), e.id(), e.schema(), true));
            return e.version();
        } finally {
            writeLock.unlock();
        }
    }

    /** Sets the global ({@code subject == null}) or a subject's compatibility level. */
    public void setLevel(String subject, CompatibilityLevel level) {
        writeLock.lock();
        try {
            ObjectNode key = JSON.createObjectNode();
            key.put("keytype", "CONFIG");
            if (subject != null) {
                key.put("subject", subject);
            } else {
                key.putNull("subject");
            }
            key.put("magic", 0);
            ObjectNode value = JSON.createObjectNode();
            value.put("compatibilityLevel", level.name());
            write(key.toString(), value.toString());
        } finally {
            writeLock.unlock();
        }
    }

    private static String schemaKey(String subject, int version) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", "SCHEMA");
        key.put("subject", subject);
        key.put("version", version);
        key.put("magic", 1);
        return key.toString();
    }

    private static String schemaValue(String subject, int version, int id, String schema, boolean deleted) {
        ObjectNode v = JSON.createObjectNode();
        v.put("subject", subject);
        v.put("version", version);
        v.put("id", id);
        v.put("schema", schema);
        v.put("deleted", deleted);
        return v.toString();
    }

    /** Sends one record, waits for the acknowledgement, then until the reader has applied it. */
    private void write(String key, String value) {
        RecordMetadata md;
        try {
            md = producer.send(new ProducerRecord<>(topic, 0, key, value)).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.STORE_ERROR, "Interrupted writing to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            if (c instanceof RecordTooLargeException) {
                // a broker whose _schemas topic allows less than the registry's own limit
                throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema: the broker refused it as "
                        + "too large for " + topic + " (" + c.getMessage() + ")", c);
            }
            throw new RegistryException(RegistryException.STORE_ERROR, "Error in the backend data store: " + c, c);
        }
        awaitApplied(md.offset() + 1);
        String failure;
        synchronized (this) {
            failure = unapplied.remove(md.offset());
        }
        if (failure != null) {
            // the caller must not be told the write succeeded: it would hold an id (or a setting) the registry
            // cannot serve. The record stays in the topic and is skipped the same way on every start.
            throw new RegistryException(RegistryException.STORE_ERROR, "the registry wrote its record at offset "
                    + md.offset() + " of " + topic + " but cannot apply it (" + failure + "); nothing was registered");
        }
    }

    private synchronized void awaitApplied(long offset) {
        long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
        while (appliedOffset < offset) {
            checkReader();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RegistryException(RegistryException.STORE_ERROR,
                        "Timed out reading " + topic + " back to offset " + offset + " (at " + appliedOffset + ")");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.STORE_ERROR, "Interrupted reading " + topic, e);
            }
        }
    }

    private void checkReader() {
        if (readerFailure != null) {
            throw new RegistryException(RegistryException.STORE_ERROR, "Error in the backend data store: " + readerFailure, readerFailure);
        }
        if (!running) {
            throw new RegistryException(RegistryException.STORE_ERROR, "The schema store is closed");
        }
    }

    private static RegistryException incompatible(String subject, List<String> problems) {
        return new RegistryException(RegistryException.INCOMPATIBLE_SCHEMA,
                "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\", details: "
                        + problems);
    }

    // ---------------------------------------------------------------- reads

    private List<SchemaEntry> live(String subject) {
        TreeMap<Integer, SchemaEntry> versions = subjects.get(subject);
        List<SchemaEntry> out = new ArrayList<>();
        if (versions != null) {
            for (SchemaEntry e : versions.values()) {
                if (!e.deleted()) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static List<CompatibilityLevel.Previous> previous(List<SchemaEntry> live) {
        List<CompatibilityLevel.Previous> out = new ArrayList<>();
        for (SchemaEntry e : live) {
            out.add(new CompatibilityLevel.Previous(e.version(), e.parsed()));
        }
        return out;
    }

    /** Subjects with at least one live version, sorted. */
    public synchronized List<String> subjects() {
        TreeSet<String> out = new TreeSet<>();
        for (String s : subjects.keySet()) {
            if (!live(s).isEmpty()) {
                out.add(s);
            }
        }
        return new ArrayList<>(out);
    }

    /** Live versions of a subject; 40401 if none. */
    public synchronized List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        for (SchemaEntry e : live(subject)) {
            out.add(e.version());
        }
        if (out.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return out;
    }

    /** A live version ({@code -1} = latest); 40401 / 40402. */
    public synchronized SchemaEntry version(String subject, int version) {
        List<SchemaEntry> live = live(subject);
        if (live.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        if (version == -1) {
            return live.get(live.size() - 1);
        }
        for (SchemaEntry e : live) {
            if (e.version() == version) {
                return e;
            }
        }
        throw RegistryException.versionNotFound(version);
    }

    /** The schema text registered under an id, also after a soft delete; 40403 if unknown. */
    public synchronized String schemaById(int id) {
        SchemaEntry e = byId.get(id);
        if (e == null) {
            throw new RegistryException(RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return e.schema();
    }

    /** The live version of a subject that holds this schema; 40401 / 40403. */
    public synchronized SchemaEntry lookup(String subject, String schema) {
        Schema parsed = parse(schema);
        List<SchemaEntry> live = live(subject);
        if (live.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        for (SchemaEntry e : live) {
            if (e.parsed().equals(parsed)) {
                return e;
            }
        }
        throw new RegistryException(RegistryException.SCHEMA_NOT_FOUND, "Schema not found");
    }

    /** Whether {@code schema} is compatible with a version ({@code -1} = latest; transitive levels: all). */
    public synchronized List<String> compatibilityProblems(String subject, int version, String schema) {
        Schema parsed = parse(schema);
        List<SchemaEntry> live = live(subject);
        SchemaEntry target = version(subject, version);
        CompatibilityLevel level = level(subject);
        List<CompatibilityLevel.Previous> against = version == -1
                ? previous(live) : List.of(new CompatibilityLevel.Previous(target.version(), target.parsed()));
        return level.check(parsed, against);
    }

    /** The effective level of a subject (its own, else the global one). */
    public synchronized CompatibilityLevel level(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    /** The subject's own level, if set. */
    public synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    public synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
