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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;

/**
 * DeleteTopics, by name (every version) or by topic id (v6+). A topic disappears at once; its files go
 * after file.delete.delay.ms. Kafka's internal topics ({@code __consumer_offsets},
 * {@code __transaction_state}) are refused with INVALID_REQUEST, as Kafka's own tools refuse them:
 * Sluice keeps consumer-group state in {@code __consumer_offsets}. Unknown names answer
 * UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID, and a name or id given twice INVALID_REQUEST.
 */
final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final LogManager log;
    private final Object adminLock;
    private final AdminExecutor admin;
    private final java.util.function.Consumer<String> onDeleted;

    DeleteTopicsHandler(LogManager log, Object adminLock, AdminExecutor admin, java.util.function.Consumer<String> onDeleted) {
        this.log = log;
        this.onDeleted = onDeleted;
        this.admin = admin;
        this.adminLock = adminLock;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DeleteTopicsRequest request) {
        return admin.submit(() -> respond(request.data()));
    }

    /** Deletion closes and renames every partition's files: on the admin thread, seen by later requests. */
    @Override
    public boolean ordersLaterRequests() {
        return true;
    }

    private AbstractResponse respond(DeleteTopicsRequestData data) {
        List<DeleteTopicState> requested = new ArrayList<>();
        data.topicNames().forEach(n -> requested.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID)));
        requested.addAll(data.topics());
        Set<String> seenNames = new HashSet<>();
        Set<String> duplicateNames = new HashSet<>();
        Set<Uuid> seenIds = new HashSet<>();
        Set<Uuid> duplicateIds = new HashSet<>();
        for (DeleteTopicState t : requested) {
            if (t.name() != null && !seenNames.add(t.name())) {
                duplicateNames.add(t.name());
            } else if (t.name() == null && !seenIds.add(t.topicId())) {
                duplicateIds.add(t.topicId());
            }
        }
        DeleteTopicsResponseData response = new DeleteTopicsResponseData().setThrottleTimeMs(0);
        Set<Object> answered = new HashSet<>();
        for (DeleteTopicState t : requested) {
            DeletableTopicResult r;
            if (t.name() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                r = result(t.name(), t.topicId(), new ApiError(Errors.INVALID_REQUEST,
                        "You may not specify both topic name and topic id."));
            } else if (t.name() == null && Uuid.ZERO_UUID.equals(t.topicId())) {
                r = result(null, Uuid.ZERO_UUID, new ApiError(Errors.INVALID_REQUEST,
                        "Neither topic name nor id were specified."));
            } else if (duplicateNames.contains(t.name()) || (t.name() == null && duplicateIds.contains(t.topicId()))) {
                if (!answered.add(t.name() != null ? t.name() : t.topicId())) {
                    continue;
                }
                r = result(t.name(), t.name() == null ? t.topicId() : Uuid.ZERO_UUID, new ApiError(Errors.INVALID_REQUEST,
                        t.name() != null ? "Duplicate topic name." : "Duplicate topic id."));
            } else {
                r = delete(t.name(), t.topicId());
            }
            response.responses().add(r);
        }
        return new DeleteTopicsResponse(response);
    }

    private DeletableTopicResult delete(String name, Uuid id) {
        synchronized (adminLock) {
            Optional<TopicDescription> topic = name != null ? log.topic(name)
                    : log.topics().stream().filter(t -> t.topicId().equals(id)).findFirst();
            if (topic.isEmpty()) {
                return name != null
                        ? result(name, Uuid.ZERO_UUID, new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                                "The topic '" + name + "' does not exist."))
                        : result(null, id, new ApiError(Errors.UNKNOWN_TOPIC_ID, "No topic with id " + id + "."));
            }
            TopicDescription t = topic.get();
            if (Topic.isInternal(t.name())) {
                return result(t.name(), t.topicId(), new ApiError(Errors.INVALID_REQUEST, "Topic " + t.name()
                        + " is a Kafka internal topic and is not allowed to be deleted."));
            }
            try {
                log.deleteTopic(t.name());
                onDeleted.accept(t.name()); // its committed offsets, as Kafka drops them
                return result(t.name(), t.topicId(), ApiError.NONE);
            } catch (LogException e) {
                return result(t.name(), t.topicId(), ErrorMapping.apiError(e));
            }
        }
    }

    private static DeletableTopicResult result(String name, Uuid id, ApiError error) {
        return new DeletableTopicResult().setName(name).setTopicId(id).setErrorCode(error.error().code())
                .setErrorMessage(error.message());
    }
}
