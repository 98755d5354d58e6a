package io.sluice.log.server;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;

/**
 * DescribeGroups (v0-v5): state, protocol and members of each group; member metadata and assignments
 * only while the group is Stable, and an unknown group is reported Dead without error, as in Kafka.
 */
final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {
    private final GroupCoordinator groups;

    DescribeGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeGroupsRequest request) {
        short version = context.apiVersion();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData().setThrottleTimeMs(0);
        for (String groupId : request.data().groups()) {
            DescribedGroup described = new DescribedGroup().setGroupId(groupId);
            if (groupId == null) {
                response.groups().add(described.setErrorCode(Errors.INVALID_GROUP_ID.code()));
                continue;
            }
            GroupCoordinator.GroupSummary s = groups.describe(groupId);
            described.setErrorCode(Errors.NONE.code()).setGroupState(s.state().kafkaName())
                    .setProtocolType(s.protocolType()).setProtocolData(s.protocolName());
            for (GroupCoordinator.MemberSummary m : s.members()) {
                DescribedGroupMember member = new DescribedGroupMember().setMemberId(m.memberId())
                        .setClientId(m.clientId()).setClientHost(m.clientHost())
                        .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment());
                if (version >= 4) {
                    member.setGroupInstanceId(m.groupInstanceId());
                }
                described.members().add(member);
            }
            if (version >= 3) {
                described.setAuthorizedOperations(DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED);
            }
            response.groups().add(described);
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(response));
    }
}
