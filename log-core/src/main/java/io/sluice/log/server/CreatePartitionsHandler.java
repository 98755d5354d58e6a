package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;

/**
 * CreatePartitions: raises a topic's partition count (never lowers it: INVALID_PARTITIONS, as Kafka).
 * Manual assignments of the new partitions are accepted only as [this node] each, and must number the
 * new partitions exactly (INVALID_REPLICA_ASSIGNMENT otherwise). validateOnly checks without adding.
 * A request may add at most {@link CreateTopicsHandler#MAX_PARTITIONS_PER_REQUEST} partitions in all
 * (POLICY_VIOLATION for every topic otherwise, nothing added); the work runs on the {@link AdminExecutor}
 * and later requests of the connection wait for it.
 */
final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest> {
    private final LogManager log;
    private final Supplier<BrokerIdentity> broker;
    private final Object adminLock;
    private final AdminExecutor admin;

    CreatePartitionsHandler(LogManager log, Supplier<BrokerIdentity> broker, Object adminLock, AdminExecutor admin) {
        this.log = log;
        this.admin = admin;
        this.broker = broker;
        this.adminLock = adminLock;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, CreatePartitionsRequest request) {
        return admin.submit(() -> respond(request.data()));
    }

    @Override
    public boolean ordersLaterRequests() {
        return true;
    }

    private AbstractResponse respond(CreatePartitionsRequestData data) {
        if (addedPartitions(data) > CreateTopicsHandler.MAX_PARTITIONS_PER_REQUEST) {
            CreatePartitionsResponseData refused = new CreatePartitionsResponseData().setThrottleTimeMs(0);
            for (CreatePartitionsTopic t : data.topics()) {
                refused.results().add(new CreatePartitionsTopicResult().setName(t.name())
                        .setErrorCode(Errors.POLICY_VIOLATION.code())
                        .setErrorMessage(CreateTopicsHandler.TOO_MANY_PARTITIONS));
            }
            return new CreatePartitionsResponse(refused);
        }
        List<String> names = new ArrayList<>();
        data.topics().forEach(t -> names.add(t.name()));
        Set<String> duplicates = ConfigAlterations.duplicates(names);
        Set<String> answered = new HashSet<>();
        CreatePartitionsResponseData response = new CreatePartitionsResponseData().setThrottleTimeMs(0);
        for (CreatePartitionsTopic t : data.topics()) {
            ApiError error;
            if (duplicates.contains(t.name())) {
                if (!answered.add(t.name())) {
                    continue;
                }
                error = new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name.");
            } else {
                error = addPartitions(t, data.validateOnly());
            }
            response.results().add(new CreatePartitionsTopicResult().setName(t.name())
                    .setErrorCode(error.error().code()).setErrorMessage(error.message()));
        }
        return new CreatePartitionsResponse(response);
    }

    /** The partitions the request would add to existing topics (unknown topics and decreases add none). */
    private long addedPartitions(CreatePartitionsRequestData data) {
        long total = 0;
        for (CreatePartitionsTopic t : data.topics()) {
            Optional<TopicDescription> topic = t.name() == null ? Optional.empty() : log.topic(t.name());
            if (topic.isPresent() && t.count() > topic.get().partitions()) {
                total += t.count() - topic.get().partitions();
            }
        }
        return total;
    }

    private ApiError addPartitions(CreatePartitionsTopic t, boolean validateOnly) {
        try {
            synchronized (adminLock) {
                TopicDescription topic = ConfigAlterations.existingTopic(log, t.name());
                int current = topic.partitions();
                if (t.count() < current) {
                    throw new InvalidPartitionsException("The topic " + t.name() + " currently has " + current
                            + " partition(s); " + t.count() + " would not be an increase.");
                }
                if (t.count() == current) {
                    throw new InvalidPartitionsException("Topic already has " + current + " partition(s).");
                }
                if (t.assignments() != null) {
                    int added = t.count() - current;
                    if (t.assignments().size() != added) {
                        throw new InvalidReplicaAssignmentException("Attempted to add " + added
                                + " additional partition(s), but " + t.assignments().size()
                                + " assignment(s) were specified.");
                    }
                    int partition = current;
                    for (CreatePartitionsAssignment a : t.assignments()) {
                        CreateTopicsHandler.checkReplicas(a.brokerIds(), broker.get().nodeId(), partition++);
                    }
                }
                if (!validateOnly) {
                    log.createPartitions(t.name(), t.count());
                }
                return ApiError.NONE;
            }
        } catch (ApiException | LogException e) {
            return ErrorMapping.apiError(e);
        }
    }
}
