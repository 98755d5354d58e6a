package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicDescription;
import io.sluice.log.TopicExistsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * Metadata: this one broker as leader and sole replica of every partition, with topic ids. Unknown
 * topics are created on request when auto topic creation is on and the client allows it.
 */
final class MetadataHandler implements ApiHandler<MetadataRequest> {
    private static final int NOT_REQUESTED = Integer.MIN_VALUE;

    private final LogManager log;
    private final java.util.function.Supplier<BrokerIdentity> broker;
    private final KafkaServerConfig config;

    MetadataHandler(LogManager log, java.util.function.Supplier<BrokerIdentity> broker, KafkaServerConfig config) {
        this.log = log;
        this.broker = broker;
        this.config = config;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, MetadataRequest request) {
        MetadataRequestData data = request.data();
        BrokerIdentity broker = this.broker.get();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(broker.clusterId())
                .setControllerId(broker.nodeId())
                .setClusterAuthorizedOperations(NOT_REQUESTED);
        response.brokers().add(new MetadataResponseBroker().setNodeId(broker.nodeId()).setHost(broker.host())
                .setPort(broker.port()).setRack(null));
        if (request.isAllTopics()) { // null topics, or (v0 only) an empty list
            for (TopicDescription t : log.topics()) {
                response.topics().add(describe(t));
            }
        } else {
            checkNamesAndIds(data, context.apiVersion());
            boolean create = config.autoCreateTopics() && (context.apiVersion() < 4 || data.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
                response.topics().add(lookup(requested, create));
            }
        }
        return CompletableFuture.completedFuture(new MetadataResponse(response, context.apiVersion()));
    }

    /**
     * As Kafka: before v12 a topic has a name and no id; from v12 a name or an id. Anything else is the
     * whole request's INVALID_REQUEST (Kafka 3.9.1 answers UNKNOWN_SERVER_ERROR to neither at v12, from a
     * NullPointerException of its own; Sluice says what is wrong).
     */
    private static void checkNamesAndIds(MetadataRequestData data, short version) {
        for (MetadataRequestData.MetadataRequestTopic t : data.topics()) {
            boolean hasId = t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId());
            if (version < 12 && t.name() == null) {
                throw new InvalidRequestException("Topic name can not be null for version " + version);
            }
            if (version < 12 && hasId) {
                throw new InvalidRequestException("Topic IDs are not supported in requests for version " + version);
            }
            if (t.name() == null && !hasId) {
                throw new InvalidRequestException("A topic needs a name or an id");
            }
        }
    }

    private MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic requested, boolean create) {
        String name = requested.name();
        Uuid id = requested.topicId();
        if (id != null && !Uuid.ZERO_UUID.equals(id)) { // by id: clients leave the name "" (its default) or null
            Optional<TopicDescription> byId = log.topics().stream().filter(t -> t.topicId().equals(id)).findFirst();
            return byId.map(this::describe).orElseGet(() -> new MetadataResponseTopic().setTopicId(id)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setTopicAuthorizedOperations(NOT_REQUESTED));
        }
        Optional<TopicDescription> t = log.topic(name);
        if (t.isEmpty() && create && !Topic.isInternal(name)) {
            try {
                log.createTopic(name, config.defaultPartitions(), Map.of());
            } catch (TopicExistsException e) {
                // created concurrently by another client: fine
            } catch (LogException e) {
                return new MetadataResponseTopic().setName(name).setErrorCode(ErrorMapping.of(e).code())
                        .setTopicAuthorizedOperations(NOT_REQUESTED);
            }
            t = log.topic(name);
        }
        return t.map(this::describe).orElseGet(() -> new MetadataResponseTopic().setName(name)
                .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setTopicAuthorizedOperations(NOT_REQUESTED));
    }

    private MetadataResponseTopic describe(TopicDescription t) {
        BrokerIdentity broker = this.broker.get();
        List<MetadataResponsePartition> partitions = new ArrayList<>(t.partitions());
        List<PartitionLog> logs = log.partitions(t.name());
        for (PartitionLog p : logs) {
            partitions.add(new MetadataResponsePartition()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.NONE.code())
                    .setLeaderId(broker.nodeId())
                    .setLeaderEpoch(p.leaderEpoch())
                    .setReplicaNodes(List.of(broker.nodeId()))
                    .setIsrNodes(List.of(broker.nodeId()))
                    .setOfflineReplicas(List.of()));
        }
        return new MetadataResponseTopic()
                .setName(t.name())
                .setTopicId(t.topicId())
                .setIsInternal(Topic.isInternal(t.name()))
                .setErrorCode(Errors.NONE.code())
                .setPartitions(partitions)
                .setTopicAuthorizedOperations(NOT_REQUESTED);
    }
}
