package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicConfig;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;

/**
 * CreateTopics: each topic with its partition count (-1: num.partitions), replication factor 1 (or -1),
 * and config overrides under Kafka's names; validateOnly checks without creating. Manual assignments are
 * accepted only when each partition is on this node alone. From v5 the result carries the partition
 * count, replication factor and every config of the topic; from v7 its id. Errors are per topic, as in
 * Kafka.
 *
 * <p>One request may ask for at most {@link #MAX_PARTITIONS_PER_REQUEST} partitions in all, Kafka's
 * controller's bound: above it every topic answers POLICY_VIOLATION and nothing is created (checked before
 * any topic is). The log also refuses a creation that would leave too few file descriptors free. The work
 * (a directory, three files and fsyncs per partition) runs on the {@link AdminExecutor}; requests after
 * this one on the same connection wait for it, so they see the topic.
 */
final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {
    /** Kafka's {@code ReplicationControlManager.MAX_PARTITIONS_PER_BATCH}. */
    static final int MAX_PARTITIONS_PER_REQUEST = 10_000;
    /** Kafka's wording, so that tools matching on it behave the same. */
    static final String TOO_MANY_PARTITIONS = "Excessively large number of partitions per request.";

    private final LogManager log;
    private final AdminExecutor admin;
    private final KafkaServerConfig config;
    private final Supplier<BrokerIdentity> broker;
    private final ConfigDescriber describer;
    private final Object adminLock;

    CreateTopicsHandler(LogManager log, KafkaServerConfig config, Supplier<BrokerIdentity> broker,
                        ConfigDescriber describer, Object adminLock, AdminExecutor admin) {
        this.log = log;
        this.admin = admin;
        this.config = config;
        this.broker = broker;
        this.describer = describer;
        this.adminLock = adminLock;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, CreateTopicsRequest request) {
        return admin.submit(() -> respond(request.data()));
    }

    @Override
    public boolean ordersLaterRequests() {
        return true;
    }

    private AbstractResponse respond(CreateTopicsRequestData data) {
        CreateTopicsResponseData response = new CreateTopicsResponseData().setThrottleTimeMs(0);
        if (requestedPartitions(data) > MAX_PARTITIONS_PER_REQUEST) {
            for (CreatableTopic t : data.topics()) {
                response.topics().add(failed(t.name(), new ApiError(Errors.POLICY_VIOLATION, TOO_MANY_PARTITIONS)));
            }
            return new CreateTopicsResponse(response);
        }
        List<String> names = new ArrayList<>();
        data.topics().forEach(t -> names.add(t.name()));
        Set<String> duplicates = ConfigAlterations.duplicates(names);
        Set<String> answered = new HashSet<>();
        for (CreatableTopic t : data.topics()) {
            if (duplicates.contains(t.name())) {
                if (answered.add(t.name())) {
                    response.topics().add(failed(t.name(), new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name.")));
                }
                continue;
            }
            response.topics().add(create(t, data.validateOnly()));
        }
        return new CreateTopicsResponse(response);
    }

    /** Every partition the request asks for, counted as Kafka counts it (invalid counts as none). */
    private long requestedPartitions(CreateTopicsRequestData data) {
        long total = 0;
        for (CreatableTopic t : data.topics()) {
            if (!t.assignments().isEmpty()) {
                total += t.assignments().size();
            } else if (t.numPartitions() == CreateTopicsRequest.NO_NUM_PARTITIONS) {
                total += config.defaultPartitions();
            } else if (t.numPartitions() > 0) {
                total += t.numPartitions();
            }
        }
        return total;
    }

    private CreatableTopicResult create(CreatableTopic t, boolean validateOnly) {
        String name = t.name();
        try {
            Topic.validate(name);
            if (log.topic(name).isPresent()) { // before the other checks, as Kafka's controller orders them
                throw new TopicExistsException("Topic '" + name + "' already exists.");
            }
            int partitions = partitionCount(t);
            Map<String, String> overrides = overrides(t);
            Uuid id;
            synchronized (adminLock) {
                if (log.topic(name).isPresent()) {
                    throw new TopicExistsException("Topic '" + name + "' already exists.");
                }
                if (validateOnly) {
                    TopicConfig.of(overrides);
                    id = Uuid.ZERO_UUID; // nothing was created
                } else {
                    TopicDescription created = log.createTopic(name, partitions, overrides);
                    id = created.topicId();
                }
            }
            List<CreatableTopicConfigs> configs = new ArrayList<>();
            for (ConfigDescriber.Entry e : describer.topic(overrides)) {
                configs.add(new CreatableTopicConfigs().setName(e.name()).setValue(e.value()).setReadOnly(e.readOnly())
                        .setConfigSource(e.source().id()).setIsSensitive(false));
            }
            return new CreatableTopicResult().setName(name).setTopicId(id).setErrorCode(Errors.NONE.code())
                    .setErrorMessage(null).setTopicConfigErrorCode(Errors.NONE.code()).setNumPartitions(partitions)
                    .setReplicationFactor((short) 1).setConfigs(configs);
        } catch (ApiException | LogException e) { // the log's InvalidConfigException answers INVALID_CONFIG
            return failed(name, ErrorMapping.apiError(e));
        }
    }

    /** The partition count the request asks for, refusing what a single node cannot do. */
    private int partitionCount(CreatableTopic t) {
        int nodeId = broker.get().nodeId();
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != CreateTopicsRequest.NO_NUM_PARTITIONS
                    || t.replicationFactor() != CreateTopicsRequest.NO_REPLICATION_FACTOR) {
                throw new InvalidRequestException("Both numPartitions or replicationFactor and replicasAssignments "
                        + "were set. Both cannot be used at the same time.");
            }
            List<CreatableReplicaAssignment> assignments = new ArrayList<>(t.assignments());
            assignments.sort(Comparator.comparingInt(CreatableReplicaAssignment::partitionIndex));
            for (int i = 0; i < assignments.size(); i++) {
                CreatableReplicaAssignment a = assignments.get(i);
                if (a.partitionIndex() != i) {
                    throw new InvalidReplicaAssignmentException("Partitions should be a consecutive 0-based integer "
                            + "sequence; partition " + i + " is missing or repeated.");
                }
                checkReplicas(a.brokerIds(), nodeId, i);
            }
            return assignments.size();
        }
        int partitions = t.numPartitions() == CreateTopicsRequest.NO_NUM_PARTITIONS
                ? config.defaultPartitions() : t.numPartitions();
        if (partitions <= 0) {
            throw new InvalidPartitionsException("Number of partitions was set to an invalid non-positive value.");
        }
        short rf = t.replicationFactor();
        if (rf != CreateTopicsRequest.NO_REPLICATION_FACTOR && rf <= 0) {
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0, or -1 to use the "
                    + "default value.");
        }
        if (rf > 1) {
            throw new InvalidReplicationFactorException("Unable to replicate the partition " + rf + " time(s): The "
                    + "target replication factor of " + rf + " cannot be reached because only 1 broker(s) are "
                    + "registered (Sluice is a single node; use replication factor 1 or -1).");
        }
        return partitions;
    }

    /** A manual assignment is acceptable only as [this node]. */
    static void checkReplicas(List<Integer> brokerIds, int nodeId, int partition) {
        if (brokerIds.isEmpty()) {
            throw new InvalidReplicaAssignmentException("The manual partition assignment of partition " + partition
                    + " includes no replicas.");
        }
        for (int id : brokerIds) {
            if (id != nodeId) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes broker " + id
                        + ", but no such broker is registered (Sluice is the single node " + nodeId + ").");
            }
        }
        if (brokerIds.size() > 1) {
            throw new InvalidReplicaAssignmentException("The manual partition assignment of partition " + partition
                    + " specifies the same node id more than once.");
        }
    }

    private static Map<String, String> overrides(CreatableTopic t) {
        Map<String, String> overrides = new TreeMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            if (c.value() == null) {
                throw new InvalidConfigurationException("Null value not supported for topic configs: " + c.name());
            }
            overrides.put(c.name(), c.value());
        }
        ConfigAlterations.checkKeysAndPassiveValues(overrides);
        return overrides;
    }

    private static CreatableTopicResult failed(String name, ApiError error) {
        return new CreatableTopicResult().setName(name).setTopicId(Uuid.ZERO_UUID).setErrorCode(error.error().code())
                .setErrorMessage(error.message()).setNumPartitions(-1).setReplicationFactor((short) -1)
                .setTopicConfigErrorCode(Errors.NONE.code()).setConfigs(null);
    }
}
