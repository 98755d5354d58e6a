package io.sluice.log.server;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;

/**
 * The APIs this server implements and their handlers. It advertises, for each, every version that
 * kafka-clients 3.9 (and so Apache Kafka 3.9) supports, since clients pick features from what is
 * advertised. Immutable after construction.
 */
final class ApiDispatcher {
    private final Map<ApiKeys, ApiHandler<? extends AbstractRequest>> handlers = new EnumMap<>(ApiKeys.class);
    private ApiVersionCollection advertised;

    <R extends AbstractRequest> ApiDispatcher register(ApiKeys api, ApiHandler<R> handler) {
        handlers.put(api, handler);
        advertised = null;
        return this;
    }

    boolean handles(ApiKeys api) {
        return handlers.containsKey(api);
    }

    /** See {@link ApiHandler#ordersLaterRequests()}. */
    boolean ordersLaterRequests(ApiKeys api) {
        ApiHandler<?> h = handlers.get(api);
        return h != null && h.ordersLaterRequests();
    }

    synchronized ApiVersionCollection advertisedVersions() {
        if (advertised == null) {
            advertised = ApiVersionsResponse.collectApis(handlers.keySet(), false);
        }
        return advertised.duplicate();
    }

    @SuppressWarnings("unchecked")
    CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        ApiHandler<AbstractRequest> h = (ApiHandler<AbstractRequest>) handlers.get(request.apiKey());
        return h.handle(context, request);
    }
}
