package io.sluice.log.server;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorResponse;

/**
 * FindCoordinator (v0-v6): this broker coordinates every group. v4+ asks for several keys at once.
 * Transactions are out of scope, so a TRANSACTION key gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED (as
 * InitProducerId does): a fatal error the producer reports at once, where COORDINATOR_NOT_AVAILABLE would
 * have it retry until max.block.ms. Other key types (share groups) are INVALID_REQUEST.
 */
final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
    private final Supplier<BrokerIdentity> broker;

    FindCoordinatorHandler(Supplier<BrokerIdentity> broker) {
        this.broker = broker;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, FindCoordinatorRequest request) {
        FindCoordinatorRequestData data = request.data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData().setThrottleTimeMs(0);
        if (context.apiVersion() >= 4) {
            for (String key : data.coordinatorKeys()) {
                response.coordinators().add(coordinator(key, data.keyType()));
            }
        } else {
            Coordinator c = coordinator(data.key(), data.keyType());
            response.setErrorCode(c.errorCode()).setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
            if (context.apiVersion() >= 1) {
                response.setErrorMessage(c.errorMessage());
            }
        }
        return CompletableFuture.completedFuture(new FindCoordinatorResponse(response));
    }

    private Coordinator coordinator(String key, byte keyType) {
        Coordinator c = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        if (keyType == CoordinatorType.GROUP.id()) {
            BrokerIdentity b = broker.get();
            return c.setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()).setErrorCode(Errors.NONE.code());
        }
        if (keyType == CoordinatorType.TRANSACTION.id()) {
            return c.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setErrorMessage("transactions are not supported by Sluice");
        }
        return c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("unsupported coordinator key type " + keyType);
    }
}
