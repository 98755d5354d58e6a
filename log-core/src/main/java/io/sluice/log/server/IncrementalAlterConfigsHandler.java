package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicConfigDocs;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

/**
 * IncrementalAlterConfigs: SET, DELETE (back to the default), APPEND and SUBTRACT (list-valued keys such
 * as cleanup.policy) on topic configs, persisted by {@link LogManager#alterTopicConfig} and applied to the
 * running partitions at once; validateOnly checks without changing anything. All the operations on one
 * resource succeed or fail together. Broker configs are read-only: any change answers INVALID_REQUEST, as
 * Kafka answers for a config that cannot be updated dynamically.
 */
final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {
    private final LogManager log;
    private final Supplier<BrokerIdentity> broker;
    private final Object adminLock;

    IncrementalAlterConfigsHandler(LogManager log, Supplier<BrokerIdentity> broker, Object adminLock) {
        this.log = log;
        this.broker = broker;
        this.adminLock = adminLock;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, IncrementalAlterConfigsRequest request) {
        IncrementalAlterConfigsRequestData data = request.data();
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
        List<AlterConfigsResource> resources = new ArrayList<>(data.resources());
        List<ApiError> errors = ConfigAlterations.alterEach(resources,
                r -> List.of(r.resourceType(), r.resourceName()), r -> alter(r, data.validateOnly()));
        for (int i = 0; i < errors.size(); i++) {
            AlterConfigsResource r = resources.get(i);
            ApiError error = errors.get(i);
            response.responses().add(new AlterConfigsResourceResponse().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName()).setErrorCode(error.error().code()).setErrorMessage(error.message()));
        }
        return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(response));
    }

    private ApiError alter(AlterConfigsResource r, boolean validateOnly) {
        try {
            List<String> keys = new ArrayList<>();
            List<String> nullUpdates = new ArrayList<>();
            for (AlterableConfig c : r.configs()) {
                keys.add(c.name());
                if (OpType.forId(c.configOperation()) == null) {
                    throw new InvalidRequestException("Unknown operations type " + c.configOperation());
                }
                if (c.configOperation() != OpType.DELETE.id() && c.value() == null) {
                    nullUpdates.add(c.name());
                }
            }
            if (!ConfigAlterations.duplicates(keys).isEmpty()) {
                throw new InvalidRequestException("Error due to duplicate config keys");
            }
            if (!nullUpdates.isEmpty()) {
                throw new InvalidRequestException("Null value not supported for : " + String.join(", ", nullUpdates));
            }
            switch (ConfigResource.Type.forId(r.resourceType())) {
                case TOPIC -> {
                    Topic.validate(r.resourceName());
                    synchronized (adminLock) {
                        TopicDescription t = ConfigAlterations.existingTopic(log, r.resourceName());
                        ConfigAlterations.alterTopic(log, t.name(), changes(t, r), validateOnly);
                    }
                }
                case BROKER -> ConfigAlterations.refuseBrokerChange(r.resourceName(), broker.get().nodeId(), keys);
                case BROKER_LOGGER -> throw new InvalidRequestException("Sluice does not expose broker loggers as configs");
                default -> throw new InvalidRequestException("Unknown resource type " + r.resourceType());
            }
            return ApiError.NONE;
        } catch (ApiException | LogException e) {
            return ErrorMapping.apiError(e);
        }
    }

    /** The operations as overrides to set (a null value removes one), list operations resolved. */
    private Map<String, String> changes(TopicDescription t, AlterConfigsResource r) {
        Map<String, String> changes = new LinkedHashMap<>();
        for (AlterableConfig c : r.configs()) {
            OpType op = OpType.forId(c.configOperation());
            String key = c.name();
            switch (op) {
                case SET -> changes.put(key, c.value());
                case DELETE -> changes.put(key, null);
                case APPEND, SUBTRACT -> {
                    TopicConfigDocs.Key doc = TopicConfigDocs.of(key).orElseThrow(() ->
                            new InvalidConfigurationException("Unknown topic config name: " + key));
                    if (doc.type() != TopicConfigDocs.Type.LIST) {
                        throw new InvalidConfigurationException("Can't " + op + " to key " + key
                                + " because its type is not LIST.");
                    }
                    List<String> items = ConfigAlterations.listItems(currentValue(t, doc));
                    List<String> operand = ConfigAlterations.listItems(c.value());
                    if (op == OpType.APPEND) {
                        operand.stream().filter(v -> !items.contains(v)).forEach(items::add);
                    } else {
                        items.removeAll(operand);
                    }
                    changes.put(key, String.join(",", items));
                }
                default -> throw new IllegalStateException("unreachable: " + op);
            }
        }
        return changes;
    }

    /** The value a topic runs with: its override, else the log's default, else Kafka's. */
    private String currentValue(TopicDescription t, TopicConfigDocs.Key key) {
        String v = t.config().overrides().get(key.name());
        if (v == null) {
            v = log.topicDefaults().overrides().get(key.name());
        }
        return v == null ? key.defaultValue() : v;
    }
}
