package io.sluice.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What each topic config key is, for tools that describe configs (Kafka's DescribeConfigs): its type,
 * its default, the broker-level Kafka setting it is a synonym of, and a one-line description. Covers
 * every key {@link TopicConfig} accepts, both the ones the log acts on and the passive ones (Kafka keys
 * that a single-node log accepts and reports but ignores). Stateless.
 */
public final class TopicConfigDocs {
    /** The value type of a key, as Kafka's ConfigDef names it. */
    public enum Type { BOOLEAN, STRING, INT, LONG, DOUBLE, LIST }

    /**
     * @param name          the topic config name
     * @param type          its value type
     * @param defaultValue  the value when nothing overrides it (Kafka's default for passive keys)
     * @param brokerSynonym the broker setting Kafka derives the topic default from, or null if none
     * @param passive       accepted and reported but not acted on by Sluice
     * @param doc           one-line description
     */
    public record Key(String name, Type type, String defaultValue, String brokerSynonym, boolean passive, String doc) {
    }

    private static final String PASSIVE_NOTE = " Accepted for compatibility with Kafka; Sluice does not act on it.";
    private static final Map<String, Key> KEYS;

    static {
        Map<String, Key> k = new LinkedHashMap<>();
        Map<String, String> d = TopicConfig.defaultValues();
        active(k, d, TopicConfig.CLEANUP_POLICY, Type.LIST, "log.cleanup.policy",
                "What happens to old segments: 'delete' removes them by retention.ms/retention.bytes, 'compact' "
                        + "keeps the latest record per key; both may be given (compact,delete).");
        active(k, d, TopicConfig.RETENTION_MS, Type.LONG, "log.retention.ms",
                "How long a segment is kept after its newest record, in ms, under the delete policy; -1 keeps it forever.");
        active(k, d, TopicConfig.RETENTION_BYTES, Type.LONG, "log.retention.bytes",
                "Largest size a partition may grow to before its oldest segments are deleted, under the delete policy; -1 means no limit.");
        active(k, d, TopicConfig.SEGMENT_BYTES, Type.INT, "log.segment.bytes",
                "Size at which a partition rolls to a new segment file.");
        active(k, d, TopicConfig.SEGMENT_MS, Type.LONG, "log.roll.ms",
                "Time after which a partition rolls to a new segment even if it is not full, in ms.");
        active(k, d, TopicConfig.SEGMENT_INDEX_BYTES, Type.INT, "log.index.size.max.bytes",
                "Size of the offset and time index files of a segment; a full index rolls the segment.");
        active(k, d, TopicConfig.INDEX_INTERVAL_BYTES, Type.INT, "log.index.interval.bytes",
                "How many bytes of batches may pass between two offset-index entries.");
        active(k, d, TopicConfig.MAX_MESSAGE_BYTES, Type.INT, "message.max.bytes",
                "Largest record batch the topic accepts, in bytes.");
        active(k, d, TopicConfig.MESSAGE_TIMESTAMP_TYPE, Type.STRING, "log.message.timestamp.type",
                "Whether record timestamps are the producer's (CreateTime) or set on append (LogAppendTime).");
        active(k, d, TopicConfig.FLUSH_MESSAGES, Type.LONG, "log.flush.interval.messages",
                "fsync after this many unsynced messages; when neither this nor flush.ms is set, group commit fsyncs as soon as there is new data.");
        active(k, d, TopicConfig.FLUSH_MS, Type.LONG, "log.flush.interval.ms",
                "fsync unsynced data after at most this many ms; when neither this nor flush.messages is set, group commit is used.");
        active(k, d, TopicConfig.FILE_DELETE_DELAY_MS, Type.LONG, "log.segment.delete.delay.ms",
                "How long a deleted segment or topic's files are kept before they are removed from disk, in ms.");
        active(k, d, TopicConfig.DELETE_RETENTION_MS, Type.LONG, "log.cleaner.delete.retention.ms",
                "How long tombstones (null-value records) are kept by compaction, in ms.");
        active(k, d, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, Type.DOUBLE, "log.cleaner.min.cleanable.ratio",
                "Share of uncompacted log above which a compacted partition is cleaned.");
        active(k, d, TopicConfig.FLUSH_INTERVAL_MIN_MS, Type.LONG, null,
                "Sluice's own: the shortest time between two group-commit fsyncs of one partition, in ms.");
        passive(k, "compression.type", Type.STRING, "producer", "compression.type",
                "Compression of stored batches; Sluice stores batches as the producer compressed them.");
        passive(k, "compression.gzip.level", Type.INT, "-1", "compression.gzip.level", "Gzip level when the broker compresses.");
        passive(k, "compression.lz4.level", Type.INT, "9", "compression.lz4.level", "LZ4 level when the broker compresses.");
        passive(k, "compression.zstd.level", Type.INT, "3", "compression.zstd.level", "Zstd level when the broker compresses.");
        passive(k, "min.insync.replicas", Type.INT, "1", "min.insync.replicas",
                "Replicas that must acknowledge an acks=all write; a single node has one.");
        passive(k, "unclean.leader.election.enable", Type.BOOLEAN, "false", "unclean.leader.election.enable",
                "Whether an out-of-sync replica may become leader.");
        passive(k, "message.timestamp.before.max.ms", Type.LONG, String.valueOf(Long.MAX_VALUE),
                "log.message.timestamp.before.max.ms", "Largest allowed age of a CreateTime timestamp.");
        passive(k, "message.timestamp.after.max.ms", Type.LONG, String.valueOf(Long.MAX_VALUE),
                "log.message.timestamp.after.max.ms", "Largest allowed lead of a CreateTime timestamp over the broker clock.");
        passive(k, "message.timestamp.difference.max.ms", Type.LONG, String.valueOf(Long.MAX_VALUE),
                "log.message.timestamp.difference.max.ms", "Deprecated in Kafka: largest allowed timestamp difference.");
        passive(k, "min.compaction.lag.ms", Type.LONG, "0", "log.cleaner.min.compaction.lag.ms",
                "Shortest time a record stays uncompacted.");
        passive(k, "max.compaction.lag.ms", Type.LONG, String.valueOf(Long.MAX_VALUE), "log.cleaner.max.compaction.lag.ms",
                "Longest time a record may stay uncompacted.");
        passive(k, "preallocate", Type.BOOLEAN, "false", "log.preallocate", "Preallocate segment files on creation.");
        passive(k, "segment.jitter.ms", Type.LONG, "0", "log.roll.jitter.ms", "Random jitter subtracted from segment.ms.");
        passive(k, "message.downconversion.enable", Type.BOOLEAN, "true", "log.message.downconversion.enable",
                "Whether old fetch versions get down-converted batches.");
        passive(k, "follower.replication.throttled.replicas", Type.LIST, "", null,
                "Replicas whose follower replication is throttled.");
        passive(k, "leader.replication.throttled.replicas", Type.LIST, "", null,
                "Replicas whose leader replication is throttled.");
        passive(k, "local.retention.ms", Type.LONG, "-2", "log.local.retention.ms", "Local retention under tiered storage.");
        passive(k, "local.retention.bytes", Type.LONG, "-2", "log.local.retention.bytes", "Local retention under tiered storage.");
        passive(k, "remote.storage.enable", Type.BOOLEAN, "false", null, "Tiered storage for the topic.");
        passive(k, "remote.log.copy.disable", Type.BOOLEAN, "false", null, "Stop copying segments to tiered storage.");
        passive(k, "remote.log.delete.on.disable", Type.BOOLEAN, "false", null,
                "Delete tiered data when tiered storage is disabled.");
        passive(k, "message.format.version", Type.STRING, "3.0-IV1", "log.message.format.version",
                "Deprecated in Kafka: on-disk message format version; Sluice always stores v2 batches.");
        KEYS = Collections.unmodifiableMap(k);
    }

    private TopicConfigDocs() {
    }

    private static void active(Map<String, Key> k, Map<String, String> defaults, String name, Type type,
                               String brokerSynonym, String doc) {
        k.put(name, new Key(name, type, defaults.get(name), brokerSynonym, false, doc));
    }

    private static void passive(Map<String, Key> k, String name, Type type, String defaultValue,
                                String brokerSynonym, String doc) {
        k.put(name, new Key(name, type, defaultValue, brokerSynonym, true, doc + PASSIVE_NOTE));
    }

    /** Every topic config key, in a stable order (the keys the log acts on first). */
    public static Map<String, Key> all() {
        return KEYS;
    }

    public static Optional<Key> of(String name) {
        return Optional.ofNullable(KEYS.get(name));
    }

    /**
     * Checks that {@code value} has the type of passive key {@code name} (the log validates the keys it acts
     * on itself); returns why it does not, or empty if it does or the key is not passive.
     */
    public static Optional<String> checkPassiveValue(String name, String value) {
        Key key = KEYS.get(name);
        if (key == null || !key.passive()) {
            return Optional.empty();
        }
        if (value == null) {
            return Optional.of("null value for topic config '" + name + "'");
        }
        String v = value.trim();
        boolean ok = switch (key.type()) {
            case BOOLEAN -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false");
            case INT -> parses(() -> Integer.parseInt(v));
            case LONG -> parses(() -> Long.parseLong(v));
            case DOUBLE -> parses(() -> Double.parseDouble(v));
            case LIST, STRING -> true;
        };
        if (ok && name.equals("compression.type")) {
            ok = java.util.Set.of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")
                    .contains(v.toLowerCase(Locale.ROOT));
        }
        return ok ? Optional.empty() : Optional.of("invalid value '" + value + "' for topic config '" + name
                + "': expected " + (name.equals("compression.type")
                ? "one of uncompressed, zstd, lz4, snappy, gzip, producer" : key.type().name().toLowerCase(Locale.ROOT)));
    }

    private static boolean parses(Runnable r) {
        try {
            r.run();
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
