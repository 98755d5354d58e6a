package io.sluice.log;

import io.sluice.log.internals.FileIO;
import io.sluice.log.internals.PartitionMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one data directory: its topics and their partitions, the flusher and maintenance threads,
 * and start-up recovery.
 *
 * <pre>
 * dataDir/
 *   .lock                                held while open (one process per data directory)
 *   .clean-shutdown                      present only after a clean close; skips the recovery scan
 *   recovery-point-offset-checkpoint     see {@link RecoveryCheckpoint}
 *   topics.meta/&lt;topic&gt;.topic           id, partition count, config overrides (see {@link TopicStore})
 *   &lt;topic&gt;-&lt;partition&gt;/                 partition.metadata, segments, producer-state snapshots
 * </pre>
 *
 * Thread-safe. Topic administration (create, delete, add partitions, alter config) is serialised.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    static final String CLEAN_SHUTDOWN = ".clean-shutdown";
    /** A new partition opens one segment: its log, offset index and time index files stay open. */
    static final int DESCRIPTORS_PER_NEW_PARTITION = 3;
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final int MAX_TOPIC_LENGTH = 249;

    private final LogManagerConfig config;
    private final FileIO io;
    private final Path dataDir;
    private final LogContext ctx;
    private final TopicStore store;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /**
     * Data directories held by an open LogManager of this JVM. POSIX file locks belong to the process, and
     * closing any channel on {@code .lock} drops them: a second LogManager of the same process must be
     * refused before it opens (and closes) a channel on the file, or another process could then take it.
     */
    private static final Set<Path> LOCKED_DIRS = ConcurrentHashMap.newKeySet();
    private final Path lockKey;
    private final AtomicBoolean lockReleased = new AtomicBoolean();
    private final LogCleaner cleaner = new LogCleaner();
    private final FailedPartitionRecovery failedPartitions;
    /** Null unless log.scrubber.bytes.per.second is set. */
    private final LogScrubber scrubber;
    /** Partitions of deleted topics whose files stay open until their delayed deletion; closed with the log. */
    private final Set<PartitionLog> retired = ConcurrentHashMap.newKeySet();
    private final Map<String, TopicDescription> topics = new ConcurrentHashMap<>();
    private final Map<String, List<PartitionLog>> partitions = new ConcurrentHashMap<>();
    private final Object adminLock = new Object();
    private volatile boolean closed;
    /** The data directory had no log in it when opened. */
    private final boolean fresh;

    private LogManager(LogManagerConfig config) throws IOException {
        this.config = config;
        this.io = config.fileIO();
        this.dataDir = config.dataDir();
        io.createDirectories(dataDir);
        this.lockKey = dataDir.toRealPath();
        if (!LOCKED_DIRS.add(lockKey)) {
            throw new IOException("data directory " + dataDir + " is in use by another log of this process ("
                    + dataDir.resolve(".lock") + ")");
        }
        FileLock l = null;
        FileChannel ch = null;
        try {
            ch = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                throw new IOException("data directory " + dataDir + " is in use by another log (" + dataDir.resolve(".lock") + ")");
            }
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            LOCKED_DIRS.remove(lockKey);
            throw e;
        }
        this.lockChannel = ch;
        this.lock = l;
        this.ctx = new LogContext(io, config.time(), executor("sluice-log-flusher", config.flusherThreads()),
                executor("sluice-log-maintenance", 1), new AtomicReference<>());
        this.fresh = !Files.isDirectory(dataDir.resolve(TopicStore.DIR));
        this.store = new TopicStore(io, dataDir);
        this.failedPartitions = new FailedPartitionRecovery(io, this::reopenFailed);
        this.scrubber = config.scrubBytesPerSecond() > 0
                ? new LogScrubber(config.scrubBytesPerSecond(), this::allPartitions) : null;
    }

    private List<PartitionLog> allPartitions() {
        List<PartitionLog> all = new ArrayList<>();
        partitions.values().forEach(all::addAll);
        return all;
    }

    /** Damaged batches the background scrubber has found since the start (0 when it is off). */
    public long scrubProblems() {
        return scrubber == null ? 0 : scrubber.problems();
    }

    /** Recovery probes of failed partitions since the start, for tests. */
    long recoveryProbes() {
        return failedPartitions.probes();
    }

    /** The scrubber, for tests; null when off. */
    LogScrubber scrubber() {
        return scrubber;
    }

    /** True when {@code dir} holds a log (its topic store), so that a tool can tell a log from another directory. */
    public static boolean holdsLog(Path dir) {
        return Files.isDirectory(dir.resolve(TopicStore.DIR));
    }

    /** Opens (creating if needed) the log in {@code config.dataDir()}, recovering it after an unclean stop. */
    public static LogManager open(LogManagerConfig config) {
        LogManager m = null;
        try {
            m = new LogManager(config);
            m.load();
            m.scheduleMaintenance();
            return m;
        } catch (IOException e) {
            if (m != null) {
                m.abort();
            }
            throw new UncheckedIOException("opening the log in " + config.dataDir() + ": " + e.getMessage(), e);
        }
    }

    private void load() throws IOException {
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN);
        boolean clean = Files.exists(marker);
        Map<RecoveryCheckpoint.Key, Long> points = RecoveryCheckpoint.read(dataDir);
        LOG.info("Opening log in {} ({})", dataDir, fresh ? "new log" : clean ? "clean shutdown"
                : "unclean shutdown: recovering from the checkpoint");
        deleteLeftoverDirectories();
        for (TopicDescription t : store.readAll()) {
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < t.partitions(); p++) {
                Path dir = partitionDir(t.name(), p);
                long point = points.getOrDefault(new RecoveryCheckpoint.Key(t.name(), p, t.topicId().toString()), 0L);
                PartitionMetadata created = Files.isDirectory(dir) ? null : new PartitionMetadata(t.topicId(), 0, 0);
                if (created != null) {
                    io.createDirectories(dir);
                    io.fsyncDirectory(dataDir);
                }
                logs.add(PartitionLog.open(t.name(), p, dir, ctx, effective(t.config()), created, clean, point));
            }
            topics.put(t.name(), t);
            partitions.put(t.name(), Collections.unmodifiableList(logs));
        }
        if (clean) {
            io.deleteIfExists(marker);
            io.fsyncDirectory(dataDir);
        }
        writeRecoveryCheckpoint();
    }

    /** Partition directories of deleted topics, and of creations that crashed before their commit point. */
    private void deleteLeftoverDirectories() throws IOException {
        Map<String, Integer> known = new HashMap<>();
        for (TopicDescription t : store.readAll()) {
            known.put(t.name(), t.partitions());
        }
        try (Stream<Path> dirs = Files.list(dataDir)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                String n = d.getFileName().toString();
                if (n.equals(TopicStore.DIR)) {
                    continue;
                }
                int dash = n.lastIndexOf('-');
                boolean deleted = n.endsWith("-delete");
                boolean orphan = false;
                if (!deleted && dash > 0) {
                    String topic = n.substring(0, dash);
                    try {
                        int p = Integer.parseInt(n.substring(dash + 1));
                        orphan = !known.containsKey(topic) || p >= known.get(topic);
                    } catch (NumberFormatException e) {
                        orphan = false;
                    }
                }
                if (deleted || orphan) {
                    LOG.info("Removing {} ({})", d, deleted ? "deleted topic" : "partition with no committed topic");
                    deleteRecursively(d);
                }
            }
        }
    }

    private void scheduleMaintenance() {
        long every = config.retentionCheckIntervalMs();
        ctx.maintenanceExecutor().scheduleWithFixedDelay(this::maintainQuietly, every, every, TimeUnit.MILLISECONDS);
        ctx.maintenanceExecutor().scheduleWithFixedDelay(this::recoverFailedPartitions, FailedPartitionRecovery.FIRST_RETRY_MS,
                FailedPartitionRecovery.FIRST_RETRY_MS, TimeUnit.MILLISECONDS);
        if (scrubber != null) {
            scrubber.start();
        }
        long cp = config.recoveryCheckpointIntervalMs();
        ctx.maintenanceExecutor().scheduleWithFixedDelay(() -> {
            try {
                writeRecoveryCheckpoint();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Writing the recovery checkpoint failed: {}", e.toString());
            }
        }, cp, cp, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- topics

    /** Creates a topic with {@code partitions} partitions and these config overrides. */
    public TopicDescription createTopic(String name, int partitions, Map<String, String> overrides) {
        validateTopicName(name);
        if (partitions < 1) {
            throw new InvalidTopicException(name, "partition count must be at least 1, was " + partitions);
        }
        TopicConfig cfg;
        try {
            cfg = TopicConfig.of(overrides);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(name, e.getMessage());
        }
        synchronized (adminLock) {
            ensureOpen();
            if (topics.containsKey(name)) {
                throw new TopicExistsException(name);
            }
            checkDescriptorHeadroom(name, partitions);
            TopicDescription t = new TopicDescription(name, Uuid.randomUuid(), partitions, cfg);
            List<PartitionLog> logs = openNewPartitions(t, 0, partitions);
            try {
                store.write(t); // commit point
            } catch (IOException | RuntimeException e) {
                discard(t, logs, 0);
                throw new LogStorageException(name, -1, "creating topic failed: " + e.getMessage(), e);
            }
            topics.put(name, t);
            this.partitions.put(name, Collections.unmodifiableList(logs));
            LOG.info("Created topic {} ({} partitions, id {}, config {})", name, partitions, t.topicId(), cfg.overrides());
            return t;
        }
    }

    /** Descriptors kept free for connections, segment rolls and the JVM: a tenth of the limit, at least 1024. */
    static long descriptorReserve(long max) {
        return Math.max(1024, max / 10);
    }

    /**
     * Refuses, before anything is opened, a creation whose new partitions' segment files would leave fewer
     * than {@link #descriptorReserve} descriptors free: a process out of descriptors can no longer accept
     * connections, so one request must not be able to take them all.
     */
    private void checkDescriptorHeadroom(String topic, int newPartitions) {
        OptionalLong open = config.fileDescriptors().open();
        OptionalLong max = config.fileDescriptors().max();
        if (open.isEmpty() || max.isEmpty()) {
            return;
        }
        long needed = (long) newPartitions * DESCRIPTORS_PER_NEW_PARTITION;
        long reserve = descriptorReserve(max.getAsLong());
        if (open.getAsLong() + needed + reserve > max.getAsLong()) {
            throw new ResourceLimitException(topic, -1, "creating " + newPartitions + " partition(s) of " + topic
                    + " would open " + needed + " files, but the process has " + open.getAsLong() + " of its "
                    + max.getAsLong() + " file descriptors open and keeps " + reserve + " free for connections; "
                    + "raise the limit (ulimit -n) or create fewer partitions");
        }
    }

    /**
     * Opens partitions [from, to) of {@code t} in new directories. On failure, closes and removes every one
     * it made before rethrowing: a failed creation leaves no open files and no directories behind.
     */
    private List<PartitionLog> openNewPartitions(TopicDescription t, int from, int to) {
        List<PartitionLog> logs = new ArrayList<>();
        int p = from;
        try {
            for (; p < to; p++) {
                Path dir = partitionDir(t.name(), p);
                if (Files.exists(dir)) {
                    deleteRecursively(dir); // leftover of a crashed creation
                }
                io.createDirectories(dir);
                logs.add(PartitionLog.open(t.name(), p, dir, ctx, effective(t.config()),
                        new PartitionMetadata(t.topicId(), 0, 0), true, 0));
            }
            io.fsyncDirectory(dataDir);
            return logs;
        } catch (IOException | RuntimeException e) {
            discard(t, logs, from);
            // the partition whose opening failed may have left its directory
            deleteQuietly(partitionDir(t.name(), p));
            throw new LogStorageException(t.name(), p, "creating partitions " + from + ".." + (to - 1)
                    + " failed at partition " + p + ": " + e.getMessage(), e);
        }
    }

    /** Closes {@code logs} (partitions from {@code from} on) and deletes their directories. */
    private void discard(TopicDescription t, List<PartitionLog> logs, int from) {
        logs.forEach(PartitionLog::closeForDelete);
        for (int p = from; p < from + logs.size(); p++) {
            deleteQuietly(partitionDir(t.name(), p));
        }
        LOG.warn("Creating partitions {}..{} of {} failed: removed what was created", from,
                from + logs.size() - 1, t.name());
    }

    /** Deletes a topic: it disappears at once; its files are removed in the background. */
    public void deleteTopic(String name) {
        synchronized (adminLock) {
            ensureOpen();
            TopicDescription t = topics.get(name);
            if (t == null) {
                throw new UnknownTopicOrPartitionException(name, -1);
            }
            try {
                store.delete(name); // commit point
                topics.remove(name);
                List<PartitionLog> logs = partitions.remove(name);
                List<Path> doomed = new ArrayList<>();
                for (PartitionLog log : logs) {
                    // files stay open until deleted below: a fetch response being sent from them completes
                    log.retire();
                    retired.add(log);
                    Path renamed = dataDir.resolve(deleteDirName(log.dir().getFileName().toString(), t.topicId()));
                    io.move(log.dir(), renamed);
                    doomed.add(renamed);
                }
                io.fsyncDirectory(dataDir);
                long delay = t.config().fileDeleteDelayMs();
                ctx.maintenanceExecutor().schedule(() -> {
                    logs.forEach(l -> {
                        l.closeFiles();
                        retired.remove(l);
                    });
                    doomed.forEach(this::deleteQuietly);
                }, delay, TimeUnit.MILLISECONDS);
                LOG.info("Deleted topic {} (id {})", name, t.topicId());
            } catch (IOException e) {
                throw new LogStorageException(name, -1, "deleting topic failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * {@code <topic>-<p>.<topic id>-delete}, cut at the front when longer than the 255 bytes a file name may
     * have (as Kafka does): the end keeps the partition number and the id keeps it unique.
     */
    static String deleteDirName(String partitionDirName, Uuid topicId) {
        String suffix = "." + topicId + "-delete";
        int keep = Math.min(partitionDirName.length(), 255 - suffix.length());
        return partitionDirName.substring(partitionDirName.length() - keep) + suffix;
    }

    /** Raises a topic's partition count (Kafka never lowers one). */
    public TopicDescription createPartitions(String name, int newCount) {
        synchronized (adminLock) {
            ensureOpen();
            TopicDescription t = describe(name);
            if (newCount <= t.partitions()) {
                throw new InvalidTopicException(name, "topic " + name + " has " + t.partitions()
                        + " partitions; the new count must be larger, was " + newCount);
            }
            checkDescriptorHeadroom(name, newCount - t.partitions());
            List<PartitionLog> added = openNewPartitions(t, t.partitions(), newCount);
            TopicDescription updated = new TopicDescription(name, t.topicId(), newCount, t.config());
            try {
                store.write(updated); // commit point
            } catch (IOException | RuntimeException e) {
                discard(t, added, t.partitions());
                throw new LogStorageException(name, -1, "adding partitions failed: " + e.getMessage(), e);
            }
            List<PartitionLog> logs = new ArrayList<>(partitions.get(name));
            logs.addAll(added);
            topics.put(name, updated);
            partitions.put(name, Collections.unmodifiableList(logs));
            return updated;
        }
    }

    /** Applies config changes (a null value restores the default) and persists them. */
    public TopicDescription alterTopicConfig(String name, Map<String, String> changes) {
        synchronized (adminLock) {
            ensureOpen();
            TopicDescription t = describe(name);
            TopicConfig cfg;
            try {
                cfg = t.config().with(changes);
            } catch (InvalidConfigException e) {
                throw new InvalidConfigException(name, e.getMessage());
            }
            TopicDescription updated = new TopicDescription(name, t.topicId(), t.partitions(), cfg);
            try {
                store.write(updated);
            } catch (IOException e) {
                throw new LogStorageException(name, -1, "altering config failed: " + e.getMessage(), e);
            }
            topics.put(name, updated);
            for (PartitionLog log : partitions.get(name)) {
                log.updateConfig(effective(cfg));
            }
            return updated;
        }
    }

    public Optional<TopicDescription> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** Every damaged range of every partition, by partition ("topic-p"); empty when the log is sound. */
    public Map<String, List<DamagedRange>> damage() {
        Map<String, List<DamagedRange>> all = new java.util.TreeMap<>();
        partitions.forEach((topic, logs) -> logs.stream().filter(l -> !l.damage().isEmpty())
                .forEach(l -> all.put(topic + "-" + l.partition(), l.damage())));
        return all;
    }

    /** Topic name to description, sorted by name. */
    public List<TopicDescription> topics() {
        return topics.values().stream().sorted(Comparator.comparing(TopicDescription::name)).toList();
    }

    public PartitionLog partition(String topic, int partition) {
        List<PartitionLog> logs = partitions.get(topic);
        if (logs == null || partition < 0 || partition >= logs.size()) {
            throw new UnknownTopicOrPartitionException(topic, partition);
        }
        return logs.get(partition);
    }

    public List<PartitionLog> partitions(String topic) {
        List<PartitionLog> logs = partitions.get(topic);
        if (logs == null) {
            throw new UnknownTopicOrPartitionException(topic, -1);
        }
        return logs;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The defaults every topic starts from ({@link LogManagerConfig#topicDefaults()}); a topic's overrides win. */
    public TopicConfig topicDefaults() {
        return config.topicDefaults();
    }

    /** The file seam this log writes through; files kept next to the log (the server's) must use it too. */
    public FileIO fileIO() {
        return io;
    }

    /**
     * Sets the one listener told (on a flusher thread, so it must not block) each time a partition's high
     * watermark advances.
     */
    public void setHighWatermarkListener(Consumer<PartitionLog> listener) {
        ctx.highWatermarkListener().set(listener);
    }

    /** The config a topic's partitions run with: the manager's defaults under the topic's overrides. */
    private TopicConfig effective(TopicConfig topic) {
        Map<String, String> merged = new HashMap<>(config.topicDefaults().overrides());
        merged.putAll(topic.overrides());
        return TopicConfig.of(merged);
    }

    private TopicDescription describe(String name) {
        TopicDescription t = topics.get(name);
        if (t == null) {
            throw new UnknownTopicOrPartitionException(name, -1);
        }
        return t;
    }

    static void validateTopicName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new InvalidTopicException(name, "topic name may not be empty, '.' or '..'");
        }
        if (name.length() > MAX_TOPIC_LENGTH) {
            throw new InvalidTopicException(name, "topic name is longer than " + MAX_TOPIC_LENGTH + " characters");
        }
        if (!LEGAL_TOPIC.matcher(name).matches()) {
            throw new InvalidTopicException(name, "topic name '" + name
                    + "' may contain only ASCII letters, digits, '.', '_' and '-'");
        }
    }

    // ---------------------------------------------------------------- maintenance

    /** Runs retention and compaction on every partition now; returns segments deleted plus records compacted. */
    public long runMaintenance() {
        long work = 0;
        for (List<PartitionLog> logs : partitions.values()) {
            for (PartitionLog log : logs) {
                if (log.failed()) {
                    continue;
                }
                try {
                    work += LogRetention.enforce(log, ctx.time().milliseconds());
                    work += cleaner.clean(log, false);
                    work += log.expireProducers(ctx.time().milliseconds(), config.producerIdExpirationMs());
                } catch (IOException e) {
                    LOG.error("Maintenance of {} failed", log, e);
                }
            }
        }
        return work;
    }

    /** Compacts one partition now, whatever its dirty ratio; returns the number of records removed. */
    public long compactNow(String topic, int partition) {
        try {
            return cleaner.clean(partition(topic, partition), true);
        } catch (IOException e) {
            throw new LogStorageException(topic, partition, "compaction failed: " + e.getMessage(), e);
        }
    }

    private void recoverFailedPartitions() {
        try {
            List<PartitionLog> failed = new ArrayList<>();
            partitions.values().forEach(logs -> logs.stream().filter(PartitionLog::failed).forEach(failed::add));
            if (!failed.isEmpty() && !closed) {
                failedPartitions.run(failed, ctx.time().milliseconds());
            }
        } catch (RuntimeException e) {
            LOG.error("Recovering failed partitions failed", e);
        }
    }

    /**
     * Replaces a partition that failed on a storage error by the same partition recovered from its durable
     * offset, as after a crash (see {@link FailedPartitionRecovery}). Under the admin lock, so that a topic
     * deletion or partition creation does not interleave.
     */
    private PartitionLog reopenFailed(PartitionLog failed) throws IOException {
        synchronized (adminLock) {
            ensureOpen();
            TopicDescription t = topics.get(failed.topic());
            List<PartitionLog> logs = partitions.get(failed.topic());
            if (t == null || logs == null || logs.get(failed.partition()) != failed) {
                return failed; // deleted or replaced meanwhile
            }
            long durable = failed.highWatermark();
            failed.closeForDelete(); // its files are reopened below; nothing it held was acknowledged beyond durable
            PartitionLog fresh = PartitionLog.open(t.name(), failed.partition(), failed.dir(), ctx, effective(t.config()),
                    null, false, durable);
            List<PartitionLog> updated = new ArrayList<>(logs);
            updated.set(failed.partition(), fresh);
            partitions.put(t.name(), Collections.unmodifiableList(updated));
            return fresh;
        }
    }

    private void maintainQuietly() {
        try {
            runMaintenance();
        } catch (RuntimeException e) {
            LOG.error("Maintenance failed", e);
        }
    }

    void writeRecoveryCheckpoint() throws IOException {
        Map<RecoveryCheckpoint.Key, Long> points = new HashMap<>();
        for (List<PartitionLog> logs : partitions.values()) {
            for (PartitionLog log : logs) {
                points.put(new RecoveryCheckpoint.Key(log.topic(), log.partition(), log.topicId().toString()),
                        log.highWatermark());
            }
        }
        RecoveryCheckpoint.write(io, dataDir, points);
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Clean shutdown: stops the background threads, flushes and closes every partition, writes the
     * recovery checkpoint and then the clean-shutdown marker (so the next start skips the scan).
     */
    @Override
    public void close() {
        synchronized (adminLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shutdown(ctx.maintenanceExecutor());
        if (scrubber != null) {
            scrubber.close();
        }
        retired.forEach(PartitionLog::closeFiles); // their directories are removed at the next start
        retired.clear();
        boolean allClean = true;
        for (List<PartitionLog> logs : partitions.values()) {
            for (PartitionLog log : logs) {
                try {
                    log.close();
                } catch (RuntimeException e) {
                    allClean = false;
                    LOG.error("Closing {} failed", log, e);
                }
                allClean &= !log.failed();
            }
        }
        shutdown(ctx.flushExecutor());
        try {
            writeRecoveryCheckpoint();
            if (allClean) {
                io.openReadWrite(dataDir.resolve(CLEAN_SHUTDOWN), true).close();
                io.fsyncDirectory(dataDir);
            }
        } catch (IOException e) {
            LOG.error("Writing the clean-shutdown marker failed; the next start will recover", e);
        } finally {
            releaseLock();
        }
        LOG.info("Closed log in {}{}", dataDir, allClean ? " cleanly" : " (unclean: some partitions failed)");
    }

    /**
     * Stops without flushing or marking a clean shutdown, as a crash would leave the directory (the page
     * cache aside). For tests and for a failed start.
     */
    public void abort() {
        closed = true;
        ctx.maintenanceExecutor().shutdownNow();
        ctx.flushExecutor().shutdownNow();
        if (scrubber != null) {
            scrubber.close();
        }
        retired.forEach(PartitionLog::closeFiles);
        for (List<PartitionLog> logs : partitions.values()) {
            for (PartitionLog log : logs) {
                log.closeForDelete();
            }
        }
        releaseLock();
    }

    private void releaseLock() {
        if (!lockReleased.compareAndSet(false, true)) {
            return;
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("Releasing {} failed: {}", dataDir.resolve(".lock"), e.toString());
        } finally {
            LOCKED_DIRS.remove(lockKey);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("log in " + dataDir + " is closed");
        }
    }

    private static void shutdown(ScheduledExecutorService ex) {
        ex.shutdown();
        try {
            if (!ex.awaitTermination(30, TimeUnit.SECONDS)) {
                ex.shutdownNow();
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private Path partitionDir(String topic, int partition) {
        return dataDir.resolve(topic + "-" + partition);
    }

    private void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                io.deleteIfExists(p);
            }
        }
        io.fsyncDirectory(dir.getParent());
    }

    private static ScheduledExecutorService executor(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor ex = (ScheduledThreadPoolExecutor) Executors.newScheduledThreadPool(threads, tf);
        ex.setRemoveOnCancelPolicy(true);
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return ex;
    }
}
