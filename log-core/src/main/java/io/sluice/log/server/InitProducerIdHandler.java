package io.sluice.log.server;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

/**
 * InitProducerId for idempotent producers: a new producer id (never reused) at epoch 0. A transactional
 * id is refused: transactions are out of scope.
 */
final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    private final ProducerIdAllocator ids;

    InitProducerIdHandler(ProducerIdAllocator ids) {
        this.ids = ids;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdResponseData data = new InitProducerIdResponseData().setThrottleTimeMs(0).setProducerId(-1)
                .setProducerEpoch((short) -1);
        if (request.data().transactionalId() != null) {
            data.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
        } else {
            try {
                data.setErrorCode(Errors.NONE.code()).setProducerId(ids.next()).setProducerEpoch((short) 0);
            } catch (IOException e) {
                data.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
            }
        }
        return CompletableFuture.completedFuture(new InitProducerIdResponse(data));
    }
}
