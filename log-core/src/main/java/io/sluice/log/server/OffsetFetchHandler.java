package io.sluice.log.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

/**
 * OffsetFetch (v0-v9): the committed offsets of the requested partitions (or, topics null, of all the
 * group's partitions), -1 with no metadata for a partition without one. v8+ asks for several groups at
 * once. Offsets are read whatever the group's state: a group may use Kafka only to store offsets.
 */
final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest> {
    private final OffsetStore offsets;

    OffsetFetchHandler(OffsetStore offsets) {
        this.offsets = offsets;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, OffsetFetchRequest request) {
        OffsetFetchRequestData data = request.data();
        short version = context.apiVersion();
        OffsetFetchResponseData response = new OffsetFetchResponseData().setThrottleTimeMs(0);
        if (version >= 8) {
            for (OffsetFetchRequestData.OffsetFetchRequestGroup g : data.groups()) {
                OffsetFetchResponseGroup group = new OffsetFetchResponseGroup().setGroupId(g.groupId())
                        .setErrorCode(Errors.NONE.code());
                for (Map.Entry<String, List<Partition>> t : fetch(g.groupId(), requested8(g.topics())).entrySet()) {
                    OffsetFetchResponseTopics topic = new OffsetFetchResponseTopics().setName(t.getKey());
                    for (Partition p : t.getValue()) {
                        topic.partitions().add(new OffsetFetchResponsePartitions().setPartitionIndex(p.index())
                                .setCommittedOffset(p.offset()).setCommittedLeaderEpoch(p.leaderEpoch())
                                .setMetadata(p.metadata()).setErrorCode(Errors.NONE.code()));
                    }
                    group.topics().add(topic);
                }
                response.groups().add(group);
            }
        } else {
            for (Map.Entry<String, List<Partition>> t : fetch(data.groupId(), requested(data.topics())).entrySet()) {
                OffsetFetchResponseTopic topic = new OffsetFetchResponseTopic().setName(t.getKey());
                for (Partition p : t.getValue()) {
                    OffsetFetchResponsePartition partition = new OffsetFetchResponsePartition().setPartitionIndex(p.index())
                            .setCommittedOffset(p.offset()).setMetadata(p.metadata()).setErrorCode(Errors.NONE.code());
                    if (version >= 5) {
                        partition.setCommittedLeaderEpoch(p.leaderEpoch());
                    }
                    topic.partitions().add(partition);
                }
                response.topics().add(topic);
            }
        }
        return CompletableFuture.completedFuture(new OffsetFetchResponse(response, version));
    }

    private record Partition(int index, long offset, int leaderEpoch, String metadata) {
    }

    /** Requested partitions, or null for all of the group's (v0-v7). */
    private static List<TopicPartition> requested(List<OffsetFetchRequestData.OffsetFetchRequestTopic> topics) {
        if (topics == null) {
            return null;
        }
        List<TopicPartition> out = new ArrayList<>();
        topics.forEach(t -> t.partitionIndexes().forEach(p -> out.add(new TopicPartition(t.name(), p))));
        return out;
    }

    /** Requested partitions, or null for all of the group's (v8+). */
    private static List<TopicPartition> requested8(List<OffsetFetchRequestData.OffsetFetchRequestTopics> topics) {
        if (topics == null) {
            return null;
        }
        List<TopicPartition> out = new ArrayList<>();
        topics.forEach(t -> t.partitionIndexes().forEach(p -> out.add(new TopicPartition(t.name(), p))));
        return out;
    }

    /** The group's offsets of {@code partitions} (null: all it has), by topic in request order. */
    private Map<String, List<Partition>> fetch(String groupId, List<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> committed = groupId == null ? Map.of() : offsets.committed(groupId);
        Map<String, List<Partition>> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions == null ? committed.keySet() : partitions) {
            CommittedOffset o = committed.get(tp);
            Partition p = o == null
                    ? new Partition(tp.partition(), OffsetFetchResponse.INVALID_OFFSET, -1, OffsetFetchResponse.NO_METADATA)
                    : new Partition(tp.partition(), o.offset(), o.leaderEpoch(), o.metadata());
            out.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(p);
        }
        return out;
    }
}
