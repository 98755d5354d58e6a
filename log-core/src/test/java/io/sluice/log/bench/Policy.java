package io.sluice.log.bench;

import io.sluice.log.TopicConfig;
import java.util.Map;

/** The log's durability policy in the append cases: the topic overrides, and what a run waits for. */
enum Policy {
    FSYNC_OFF(Map.of(TopicConfig.FLUSH_MS, "3600000"), false, false),
    GROUP_COMMIT(Map.of(), true, true),
    EVERY_SECOND(Map.of(TopicConfig.FLUSH_MS, "1000"), true, false),
    EVERY_APPEND(Map.of(TopicConfig.FLUSH_MESSAGES, "1"), true, true);

    final Map<String, String> overrides;
    final boolean durable;
    final boolean timedToDurable;

    Policy(Map<String, String> overrides, boolean durable, boolean timedToDurable) {
        this.overrides = overrides;
        this.durable = durable;
        this.timedToDurable = timedToDurable;
    }
}
