package io.sluice.log.server;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;

/** ApiVersions: every API this server handles with every version Kafka 3.9 supports. */
final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
    private final ApiDispatcher dispatcher;

    ApiVersionsHandler(ApiDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ApiVersionsRequest request) {
        ApiVersionsResponseData data = new ApiVersionsResponseData().setThrottleTimeMs(0);
        if (context.apiVersion() >= 3 && !request.isValid()) {
            data.setErrorCode(Errors.INVALID_REQUEST.code());
        } else {
            data.setErrorCode(Errors.NONE.code()).setApiKeys(dispatcher.advertisedVersions());
        }
        return CompletableFuture.completedFuture(new ApiVersionsResponse(data));
    }
}
