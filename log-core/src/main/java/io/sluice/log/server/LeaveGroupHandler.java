package io.sluice.log.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;

/**
 * LeaveGroup (v0-v5): v0-v2 name one member; v3+ a batch, by member id or (static members) instance id,
 * answered per member. The group rebalances without them.
 */
final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequest> {
    private final GroupCoordinator groups;

    LeaveGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, LeaveGroupRequest request) {
        List<MemberIdentity> members = request.members(); // v0-v2: the one member id, normalised
        List<GroupCoordinator.Leaving> leaving = new ArrayList<>(members.size());
        for (MemberIdentity m : members) {
            leaving.add(new GroupCoordinator.Leaving(m.memberId(), m.groupInstanceId()));
        }
        GroupCoordinator.LeaveResult r = groups.leave(request.data().groupId(), leaving);
        List<MemberResponse> responses = new ArrayList<>(r.memberErrors().size());
        for (int i = 0; i < r.memberErrors().size(); i++) {
            responses.add(new MemberResponse().setMemberId(members.get(i).memberId())
                    .setGroupInstanceId(members.get(i).groupInstanceId()).setErrorCode(r.memberErrors().get(i).code()));
        }
        return CompletableFuture.completedFuture(new LeaveGroupResponse(responses, r.error(), 0, context.apiVersion()));
    }
}
