package io.sluice.log.server;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;

/** Heartbeat (v0-v4): keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
final class HeartbeatHandler implements ApiHandler<HeartbeatRequest> {
    private final GroupCoordinator groups;

    HeartbeatHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, HeartbeatRequest request) {
        HeartbeatRequestData data = request.data();
        short error = groups.heartbeat(data.groupId(), data.memberId(), data.groupInstanceId(), data.generationId()).code();
        return CompletableFuture.completedFuture(new HeartbeatResponse(
                new HeartbeatResponseData().setThrottleTimeMs(0).setErrorCode(error)));
    }
}
