package io.sluice.log;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one try of {@link PartitionLogPropertyTest} is made of: the topic {@link Setup} and the {@link Op}s run
 * against it.
 */
final class PartitionLogOperations {
    /** {@code flush.ms}: far enough that the background flusher never fires during a try. */
    private static final String NEVER_MS = "1000000000000";

    private PartitionLogOperations() {
    }

    // ------------------------------------------------------------------ operations (toString is the shrink output)

    enum Policy {
        DELETE("delete"), COMPACT("compact"), COMPACT_DELETE("compact,delete");

        final String config;

        Policy(String config) {
            this.config = config;
        }

        boolean compact() {
            return this != DELETE;
        }

        boolean delete() {
            return this != COMPACT;
        }
    }

    /**
     * Time and flush settings: {@code segmentMs} 0 means the default, {@code flushMessages} 0 means unset;
     * {@code logAppendTime} sets message.timestamp.type=LogAppendTime.
     */
    record Timing(long segmentMs, int flushMessages, boolean logAppendTime) {
        @Override
        public String toString() {
            return (segmentMs > 0 ? ", segment.ms=" + segmentMs : "") + (flushMessages > 0 ? ", flush.messages="
                    + flushMessages : "") + (logAppendTime ? ", message.timestamp.type=LogAppendTime" : "");
        }
    }

    /** Topic settings of one try; {@code segmentIndexBytes} 0 means the default. */
    record Setup(Policy policy, int segmentBytes, int indexIntervalBytes, int segmentIndexBytes, long fileDeleteDelayMs,
                 long deleteRetentionMs, Timing timing) {
        Map<String, String> overrides() {
            Map<String, String> o = new HashMap<>();
            o.put(TopicConfig.CLEANUP_POLICY, policy.config);
            o.put(TopicConfig.SEGMENT_BYTES, String.valueOf(segmentBytes));
            o.put(TopicConfig.INDEX_INTERVAL_BYTES, String.valueOf(indexIntervalBytes));
            if (segmentIndexBytes > 0) {
                o.put(TopicConfig.SEGMENT_INDEX_BYTES, String.valueOf(segmentIndexBytes));
            }
            o.put(TopicConfig.FILE_DELETE_DELAY_MS, String.valueOf(fileDeleteDelayMs));
            o.put(TopicConfig.DELETE_RETENTION_MS, String.valueOf(deleteRetentionMs));
            o.put(TopicConfig.FLUSH_MS, NEVER_MS);
            if (timing.segmentMs() > 0) {
                o.put(TopicConfig.SEGMENT_MS, String.valueOf(timing.segmentMs()));
            }
            if (timing.flushMessages() > 0) {
                o.put(TopicConfig.FLUSH_MESSAGES, String.valueOf(timing.flushMessages()));
            }
            if (timing.logAppendTime()) {
                o.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
            }
            return o;
        }

        @Override
        public String toString() {
            return "Setup(" + policy.config + ", segment.bytes=" + segmentBytes + ", index.interval.bytes="
                    + indexIntervalBytes + ", segment.index.bytes=" + (segmentIndexBytes > 0 ? segmentIndexBytes : "default")
                    + ", file.delete.delay.ms=" + fileDeleteDelayMs + ", delete.retention.ms=" + deleteRetentionMs + timing
                    + ")";
        }
    }

    /** A record to append: key index (-1: no key), value size (-1: null value), timestamp relative to the clock. */
    record Rec(int key, int valueSize, int tsDelta) {
        @Override
        public String toString() {
            return (key < 0 ? "" : "k" + key + "=") + (valueSize < 0 ? "null" : valueSize + "B") + "@" + signed(tsDelta);
        }
    }

    record Batch(List<Rec> records, boolean gzip) {
        @Override
        public String toString() {
            return records.stream().map(Rec::toString).collect(Collectors.joining(" ", "[", "]")) + (gzip ? "gz" : "");
        }
    }

    sealed interface Op permits Append, Flush, Read, TimeOfRecord, TimeNearNow, Roll, Tick, Retain, Compact, Restart {
    }

    record Append(List<Batch> batches, boolean flush) implements Op {
        @Override
        public String toString() {
            return "append" + batches.stream().map(Batch::toString).collect(Collectors.joining("")) + (flush ? "+flush" : "");
        }
    }

    record Flush() implements Op {
        @Override
        public String toString() {
            return "flush";
        }
    }

    enum Where { BELOW_START, IN_RANGE, AT_HW, ABOVE_HW }

    record Read(Where where, int pick, int maxBytes) implements Op {
        @Override
        public String toString() {
            return "read(" + where + (where == Where.AT_HW ? "" : "#" + pick) + ", maxBytes=" + maxBytes + ")";
        }
    }

    /** offsetForTimestamp(timestamp of the pick-th durable record + delta). */
    record TimeOfRecord(int pick, int delta) implements Op {
        @Override
        public String toString() {
            return "offsetForTimestamp(ts of durable record #" + pick + signed(delta) + ")";
        }
    }

    /** offsetForTimestamp(now + delta). */
    record TimeNearNow(int delta) implements Op {
        @Override
        public String toString() {
            return "offsetForTimestamp(now" + signed(delta) + ")";
        }
    }

    record Roll() implements Op {
        @Override
        public String toString() {
            return "roll";
        }
    }

    record Tick(long ms) implements Op {
        @Override
        public String toString() {
            return "clock+" + ms + "ms";
        }
    }

    /** Sets retention.bytes (or retention.ms), restores the other to its default, and runs maintenance. */
    record Retain(boolean bytes, long value) implements Op {
        @Override
        public String toString() {
            return (bytes ? "retention.bytes=" : "retention.ms=") + value + "+runMaintenance";
        }
    }

    record Compact() implements Op {
        @Override
        public String toString() {
            return "compactNow";
        }
    }

    record Restart(boolean clean) implements Op {
        @Override
        public String toString() {
            return clean ? "restart(clean)" : "restart(abort)";
        }
    }

    private static String signed(long v) {
        return v < 0 ? String.valueOf(v) : "+" + v;
    }
}
