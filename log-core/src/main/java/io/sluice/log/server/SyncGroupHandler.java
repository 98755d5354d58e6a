package io.sluice.log.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * SyncGroup (v0-v5): the leader brings every member's assignment; each member gets its own once the
 * leader's has arrived. v5+ carries the protocol type and name both ways.
 */
final class SyncGroupHandler implements ApiHandler<SyncGroupRequest> {
    private final GroupCoordinator groups;

    SyncGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, SyncGroupRequest request) {
        SyncGroupRequestData data = request.data();
        short version = context.apiVersion();
        if (version >= 5 && (data.protocolType() == null || data.protocolName() == null)) {
            // from v5 both are mandatory: Kafka answers before looking at the group
            return CompletableFuture.completedFuture(new SyncGroupResponse(new SyncGroupResponseData()
                    .setErrorCode(Errors.INCONSISTENT_GROUP_PROTOCOL.code()).setAssignment(new byte[0])));
        }
        Map<String, byte[]> assignments = new HashMap<>();
        for (SyncGroupRequestData.SyncGroupRequestAssignment a : data.assignments()) {
            assignments.put(a.memberId(), a.assignment());
        }
        return groups.sync(data.groupId(), data.generationId(), data.memberId(), data.groupInstanceId(),
                data.protocolType(), data.protocolName(), assignments).thenApply(r -> {
                    SyncGroupResponseData response = new SyncGroupResponseData().setThrottleTimeMs(0)
                            .setErrorCode(r.error().code()).setAssignment(r.assignment());
                    if (version >= 5) {
                        response.setProtocolType(r.protocolType()).setProtocolName(r.protocolName());
                    }
                    return new SyncGroupResponse(response);
                });
    }
}
