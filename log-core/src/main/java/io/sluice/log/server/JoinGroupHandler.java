package io.sluice.log.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;

/**
 * JoinGroup (v0-v9): hands the member to the {@link GroupCoordinator} and answers when its rebalance
 * completes (or at once with MEMBER_ID_REQUIRED, v4+, or an error). v0 has no rebalance timeout: the
 * session timeout stands in for it, as in Kafka.
 */
final class JoinGroupHandler implements ApiHandler<JoinGroupRequest> {
    private final GroupCoordinator groups;

    JoinGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, JoinGroupRequest request) {
        JoinGroupRequestData data = request.data();
        short version = context.apiVersion();
        List<MemberMetadata.Protocol> protocols = new ArrayList<>();
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : data.protocols()) {
            protocols.add(new MemberMetadata.Protocol(p.name(), p.metadata()));
        }
        GroupCoordinator.JoinParams params = new GroupCoordinator.JoinParams(data.groupId(),
                data.memberId() == null ? "" : data.memberId(), data.groupInstanceId(),
                JoinGroupRequest.requiresKnownMemberId(data, version), JoinGroupRequest.supportsSkippingAssignment(version),
                context.header().clientId(), clientHost(context), version == 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs(),
                data.sessionTimeoutMs(), data.protocolType(), protocols, data.reason());
        return groups.join(params).thenApply(r -> response(r, version));
    }

    private static AbstractResponse response(GroupCoordinator.JoinResult r, short version) {
        JoinGroupResponseData data = new JoinGroupResponseData()
                .setThrottleTimeMs(0)
                .setErrorCode(r.error().code())
                .setGenerationId(r.generationId())
                .setProtocolName(r.protocolName())
                .setLeader(r.leaderId() == null ? "" : r.leaderId())
                .setMemberId(r.memberId());
        if (version >= 7) {
            data.setProtocolType(r.protocolType());
        }
        if (version >= 9) {
            data.setSkipAssignment(r.skipAssignment());
        }
        for (GroupCoordinator.JoinedMember m : r.members()) {
            JoinGroupResponseMember member = new JoinGroupResponseMember().setMemberId(m.memberId()).setMetadata(m.metadata());
            if (version >= 5) {
                member.setGroupInstanceId(m.groupInstanceId());
            }
            data.members().add(member);
        }
        return new JoinGroupResponse(data, version);
    }

    /** The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1"). */
    static String clientHost(RequestContext context) {
        String label = context.connection();
        int colon = label.lastIndexOf(':');
        return colon > 0 ? label.substring(0, colon) : label;
    }
}
