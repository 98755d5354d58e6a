package io.sluice.log.server;

import io.sluice.log.InvalidBatchException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OffsetCommit (v0-v9): the {@link GroupCoordinator} checks member and generation (or accepts a
 * commit from a consumer outside group management: generation -1, no member id, group without members),
 * then the {@link OffsetStore} writes the offsets as one batch, and the response goes out once that batch
 * is durable. Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, metadata longer than
 * offset.metadata.max.bytes OFFSET_METADATA_TOO_LARGE; the others are still committed.
 */
final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitHandler.class);

    private final GroupCoordinator groups;
    private final OffsetStore offsets;
    private final LogManager log;
    private final GroupCoordinatorConfig config;
    private final Time time;

    OffsetCommitHandler(GroupCoordinator groups, OffsetStore offsets, LogManager log, GroupCoordinatorConfig config,
                        Time time) {
        this.groups = groups;
        this.offsets = offsets;
        this.log = log;
        this.config = config;
        this.time = time;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, OffsetCommitRequest request) {
        OffsetCommitRequestData data = request.data();
        String groupId = data.groupId();
        // v0 stored offsets in ZooKeeper: Kafka 3.9 without ZooKeeper answers it UNSUPPORTED_VERSION
        Errors groupError = context.apiVersion() == 0 ? Errors.UNSUPPORTED_VERSION
                : groups.validateOffsetCommit(groupId, data.memberId(), data.groupInstanceId(),
                        data.generationIdOrMemberEpoch());
        Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> toWrite = new LinkedHashMap<>();
        long now = time.milliseconds();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : data.topics()) {
            Optional<TopicDescription> topic = log.topic(t.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
                if (groupError != Errors.NONE) {
                    errors.put(tp, groupError);
                } else if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                    errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else if (metadata.length() > config.offsetMetadataMaxBytes()) {
                    errors.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    long timestamp = context.apiVersion() == 1 && p.commitTimestamp() >= 0 ? p.commitTimestamp() : now;
                    toWrite.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), metadata, timestamp));
                    errors.put(tp, Errors.NONE);
                }
            }
        }
        if (toWrite.isEmpty()) {
            return CompletableFuture.completedFuture(response(errors));
        }
        return offsets.commit(groupId, toWrite).handle((v, t) -> {
            if (t == null) {
                groups.ensureGroup(groupId);
            } else {
                Errors e = storeError(t);
                LOG.warn("Offset commit of group {} failed ({}): {}", groupId, e, t.toString());
                toWrite.keySet().forEach(tp -> errors.put(tp, e));
            }
            return response(errors);
        });
    }

    /** The error Kafka gives when the write of a commit fails. */
    private static Errors storeError(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof InvalidBatchException e && e.reason() == InvalidBatchException.Reason.TOO_LARGE) {
            return Errors.INVALID_COMMIT_OFFSET_SIZE;
        }
        if (cause instanceof IllegalArgumentException) {
            return Errors.INVALID_GROUP_ID; // a group id too long for the record key
        }
        return Errors.COORDINATOR_NOT_AVAILABLE; // storage trouble, retriable: the client commits again
    }

    private static AbstractResponse response(Map<TopicPartition, Errors> errors) {
        OffsetCommitResponseData data = new OffsetCommitResponseData().setThrottleTimeMs(0);
        Map<String, OffsetCommitResponseTopic> topics = new LinkedHashMap<>();
        errors.forEach((tp, e) -> topics.computeIfAbsent(tp.topic(), n -> {
            OffsetCommitResponseTopic t = new OffsetCommitResponseTopic().setName(n);
            data.topics().add(t);
            return t;
        }).partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(tp.partition()).setErrorCode(e.code())));
        return new OffsetCommitResponse(data);
    }
}
