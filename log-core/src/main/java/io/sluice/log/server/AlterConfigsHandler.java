package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterConfigs, the legacy (non-incremental) form: the given configs become the topic's whole set of
 * overrides, so every override not named goes back to its default. validateOnly checks without changing
 * anything. Broker configs are read-only (INVALID_REQUEST for any change, as in
 * {@link IncrementalAlterConfigsHandler}).
 */
final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequest> {
    private final LogManager log;
    private final Supplier<BrokerIdentity> broker;
    private final Object adminLock;

    AlterConfigsHandler(LogManager log, Supplier<BrokerIdentity> broker, Object adminLock) {
        this.log = log;
        this.broker = broker;
        this.adminLock = adminLock;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, AlterConfigsRequest request) {
        AlterConfigsRequestData data = request.data();
        AlterConfigsResponseData response = new AlterConfigsResponseData().setThrottleTimeMs(0);
        List<AlterConfigsResource> resources = new ArrayList<>(data.resources());
        List<ApiError> errors = ConfigAlterations.alterEach(resources,
                r -> List.of(r.resourceType(), r.resourceName()), r -> alter(r, data.validateOnly()));
        for (int i = 0; i < errors.size(); i++) {
            AlterConfigsResource r = resources.get(i);
            ApiError error = errors.get(i);
            response.responses().add(new AlterConfigsResourceResponse().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName()).setErrorCode(error.error().code()).setErrorMessage(error.message()));
        }
        return CompletableFuture.completedFuture(new AlterConfigsResponse(response));
    }

    private ApiError alter(AlterConfigsResource r, boolean validateOnly) {
        try {
            List<String> keys = new ArrayList<>();
            List<String> nullUpdates = new ArrayList<>();
            Map<String, String> wanted = new TreeMap<>();
            for (AlterableConfig c : r.configs()) {
                keys.add(c.name());
                if (c.value() == null) {
                    nullUpdates.add(c.name());
                }
                wanted.put(c.name(), c.value());
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
                        Map<String, String> changes = new TreeMap<>();
                        t.config().overrides().keySet().forEach(k -> changes.put(k, null));
                        changes.putAll(wanted);
                        ConfigAlterations.alterTopic(log, t.name(), changes, validateOnly);
                    }
                }
                case BROKER -> ConfigAlterations.refuseBrokerChange(r.resourceName(), broker.get().nodeId(), keys);
                default -> throw new InvalidRequestException("Unknown resource type " + r.resourceType());
            }
            return ApiError.NONE;
        } catch (ApiException | LogException e) {
            return ErrorMapping.apiError(e);
        }
    }
}
