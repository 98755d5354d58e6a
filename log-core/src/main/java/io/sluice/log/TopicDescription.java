package io.sluice.log;

import org.apache.kafka.common.Uuid;

/** A topic as the log knows it: its id (new each time the topic is created), partitions and config. */
public record TopicDescription(String name, Uuid topicId, int partitions, TopicConfig config) {
}
