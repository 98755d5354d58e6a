package io.sluice.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.record.TimestampType;

/**
 * A topic's configuration, under Kafka's own config names, so that AdminClient and Kafka tools can read
 * and alter it unchanged. Immutable; {@link #with(Map)} returns a copy with overrides applied.
 *
 * <p>The fsync policy is always time-bounded: with neither {@code flush.messages} nor {@code flush.ms}
 * set, a topic uses group commit (a flusher fsyncs as soon as there is new data, at most every
 * {@code sluice.flush.interval.min.ms}); with {@code flush.messages} alone, {@code flush.ms} defaults to
 * {@value #DEFAULT_FLUSH_MS_WITH_MESSAGES} ms.
 */
public final class TopicConfig {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    /** Sluice's own: the shortest time between two group-commit fsyncs of one partition. */
    public static final String FLUSH_INTERVAL_MIN_MS = "sluice.flush.interval.min.ms";

    static final long DEFAULT_FLUSH_MS_WITH_MESSAGES = 1000;

    /** Kafka's defaults for the keys the log acts on. */
    private static final Map<String, String> DEFAULTS;
    /** Keys Kafka has that a single-node log accepts and reports but does not act on. */
    private static final Set<String> PASSIVE_KEYS = Set.of(
            "compression.type", "min.insync.replicas", "unclean.leader.election.enable",
            "message.timestamp.before.max.ms", "message.timestamp.after.max.ms",
            "message.timestamp.difference.max.ms", "min.compaction.lag.ms", "max.compaction.lag.ms",
            "preallocate", "segment.jitter.ms", "message.downconversion.enable", "follower.replication.throttled.replicas",
            "leader.replication.throttled.replicas", "local.retention.ms", "local.retention.bytes",
            "remote.storage.enable", "message.format.version", "compression.gzip.level", "compression.lz4.level",
            "compression.zstd.level", "remote.log.copy.disable", "remote.log.delete.on.disable");

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(CLEANUP_POLICY, "delete");
        d.put(RETENTION_MS, "604800000");
        d.put(RETENTION_BYTES, "-1");
        d.put(SEGMENT_BYTES, "1073741824");
        d.put(SEGMENT_MS, "604800000");
        d.put(SEGMENT_INDEX_BYTES, "10485760");
        d.put(INDEX_INTERVAL_BYTES, "4096");
        d.put(MAX_MESSAGE_BYTES, "1048588");
        d.put(MESSAGE_TIMESTAMP_TYPE, "CreateTime");
        d.put(FLUSH_MESSAGES, String.valueOf(Long.MAX_VALUE));
        d.put(FLUSH_MS, String.valueOf(Long.MAX_VALUE));
        d.put(FILE_DELETE_DELAY_MS, "60000");
        d.put(DELETE_RETENTION_MS, "86400000");
        d.put(MIN_CLEANABLE_DIRTY_RATIO, "0.5");
        d.put(FLUSH_INTERVAL_MIN_MS, "2");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> overrides;
    private final boolean compact;
    private final boolean delete;
    private final long retentionMs;
    private final long retentionBytes;
    private final int segmentBytes;
    private final long segmentMs;
    private final int segmentIndexBytes;
    private final int indexIntervalBytes;
    private final int maxMessageBytes;
    private final TimestampType timestampType;
    private final long flushMessages;
    private final long flushMs;
    private final long fileDeleteDelayMs;
    private final long deleteRetentionMs;
    private final double minCleanableDirtyRatio;
    private final long flushIntervalMinMs;

    private TopicConfig(Map<String, String> overrides) {
        Map<String, String> o = new TreeMap<>(overrides);
        for (String key : o.keySet()) {
            if (!DEFAULTS.containsKey(key) && !PASSIVE_KEYS.contains(key)) {
                throw new InvalidConfigException(null, "unknown topic config '" + key + "'");
            }
        }
        this.overrides = Collections.unmodifiableMap(o);
        String policy = value(CLEANUP_POLICY).toLowerCase(Locale.ROOT).replace(" ", "");
        Set<String> parts = Set.of(policy.split(","));
        if (!Set.of("delete", "compact").containsAll(parts) || policy.isEmpty()) {
            throw invalid(CLEANUP_POLICY, "one of delete, compact, or compact,delete");
        }
        this.compact = parts.contains("compact");
        this.delete = parts.contains("delete");
        this.retentionMs = longAtLeast(RETENTION_MS, -1);
        this.retentionBytes = longAtLeast(RETENTION_BYTES, -1);
        this.segmentBytes = intAtLeast(SEGMENT_BYTES, 128);
        this.segmentMs = longAtLeast(SEGMENT_MS, 1);
        this.segmentIndexBytes = intAtLeast(SEGMENT_INDEX_BYTES, 48);
        this.indexIntervalBytes = intAtLeast(INDEX_INTERVAL_BYTES, 0);
        this.maxMessageBytes = intAtLeast(MAX_MESSAGE_BYTES, 64);
        String ts = value(MESSAGE_TIMESTAMP_TYPE);
        if (ts.equals("CreateTime")) {
            timestampType = TimestampType.CREATE_TIME;
        } else if (ts.equals("LogAppendTime")) {
            timestampType = TimestampType.LOG_APPEND_TIME;
        } else {
            throw invalid(MESSAGE_TIMESTAMP_TYPE, "CreateTime or LogAppendTime");
        }
        this.flushMessages = longAtLeast(FLUSH_MESSAGES, 1);
        this.flushMs = longAtLeast(FLUSH_MS, 0);
        this.fileDeleteDelayMs = longAtLeast(FILE_DELETE_DELAY_MS, 0);
        this.deleteRetentionMs = longAtLeast(DELETE_RETENTION_MS, 0);
        try {
            this.minCleanableDirtyRatio = Double.parseDouble(value(MIN_CLEANABLE_DIRTY_RATIO));
        } catch (NumberFormatException e) {
            throw invalid(MIN_CLEANABLE_DIRTY_RATIO, "a number in [0, 1]");
        }
        if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
            throw invalid(MIN_CLEANABLE_DIRTY_RATIO, "a number in [0, 1]");
        }
        this.flushIntervalMinMs = longAtLeast(FLUSH_INTERVAL_MIN_MS, 0);
    }

    /** Kafka's defaults. */
    public static TopicConfig defaults() {
        return new TopicConfig(Map.of());
    }

    /** Defaults with these overrides; unknown keys and bad values raise {@link InvalidConfigException}. */
    public static TopicConfig of(Map<String, String> overrides) {
        return new TopicConfig(overrides);
    }

    /** A copy with {@code changes} applied on top of this config's overrides; a null value removes one. */
    public TopicConfig with(Map<String, String> changes) {
        Map<String, String> merged = new TreeMap<>(overrides);
        changes.forEach((k, v) -> {
            if (v == null) {
                merged.remove(k);
            } else {
                merged.put(k, v);
            }
        });
        return new TopicConfig(merged);
    }

    /** The values set explicitly for this topic. */
    public Map<String, String> overrides() {
        return overrides;
    }

    /** Every key the log acts on, with its effective value, plus the passive overrides. */
    public Map<String, String> effective() {
        Map<String, String> all = new TreeMap<>(DEFAULTS);
        all.putAll(overrides);
        return Collections.unmodifiableMap(all);
    }

    /** Keys whose default is known; others may still be accepted as passive overrides. */
    public static Map<String, String> defaultValues() {
        return DEFAULTS;
    }

    public static boolean isKnownKey(String key) {
        return DEFAULTS.containsKey(key) || PASSIVE_KEYS.contains(key);
    }

    public boolean compact() {
        return compact;
    }

    public boolean delete() {
        return delete;
    }

    public long retentionMs() {
        return retentionMs;
    }

    public long retentionBytes() {
        return retentionBytes;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public int maxIndexEntries(int entrySize) {
        return segmentIndexBytes / entrySize;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public TimestampType timestampType() {
        return timestampType;
    }

    /** fsync after this many unsynced messages; {@link Long#MAX_VALUE} when not set. */
    public long flushMessages() {
        return flushMessages;
    }

    /** Group commit is the policy unless {@code flush.messages} or {@code flush.ms} is set. */
    public boolean groupCommit() {
        return flushMessages == Long.MAX_VALUE && flushMs == Long.MAX_VALUE;
    }

    /** The most time unsynced data may wait, whatever the policy (never unbounded). */
    public long flushMaxDelayMs() {
        if (groupCommit()) {
            return flushIntervalMinMs;
        }
        return flushMs == Long.MAX_VALUE ? DEFAULT_FLUSH_MS_WITH_MESSAGES : flushMs;
    }

    public long flushIntervalMinMs() {
        return flushIntervalMinMs;
    }

    public long fileDeleteDelayMs() {
        return fileDeleteDelayMs;
    }

    public long deleteRetentionMs() {
        return deleteRetentionMs;
    }

    public double minCleanableDirtyRatio() {
        return minCleanableDirtyRatio;
    }

    private String value(String key) {
        return overrides.getOrDefault(key, DEFAULTS.get(key));
    }

    private long longAtLeast(String key, long min) {
        String v = value(key);
        try {
            long l = Long.parseLong(v.trim());
            if (l < min) {
                throw invalid(key, "a whole number >= " + min);
            }
            return l;
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number >= " + min);
        }
    }

    private int intAtLeast(String key, int min) {
        long l = longAtLeast(key, min);
        if (l > Integer.MAX_VALUE) {
            throw invalid(key, "a whole number in [" + min + ", " + Integer.MAX_VALUE + "]");
        }
        return (int) l;
    }

    private InvalidConfigException invalid(String key, String expected) {
        return new InvalidConfigException(null, "invalid value '" + value(key) + "' for topic config '" + key
                + "': expected " + expected);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicConfig t && t.overrides.equals(overrides);
    }

    @Override
    public int hashCode() {
        return overrides.hashCode();
    }

    @Override
    public String toString() {
        return "TopicConfig" + overrides;
    }
}
