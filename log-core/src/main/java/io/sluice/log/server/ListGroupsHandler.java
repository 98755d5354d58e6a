package io.sluice.log.server;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;

/**
 * ListGroups (v0-v5): every group this coordinator knows, filtered by state (v4+) and type (v5+; all
 * groups here are "classic"). Filters match case-insensitively.
 */
final class ListGroupsHandler implements ApiHandler<ListGroupsRequest> {
    static final String CLASSIC = "classic";

    private final GroupCoordinator groups;

    ListGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ListGroupsRequest request) {
        ListGroupsRequestData data = request.data();
        short version = context.apiVersion();
        List<String> states = version >= 4 ? data.statesFilter() : List.of();
        List<String> types = version >= 5 ? data.typesFilter() : List.of();
        ListGroupsResponseData response = new ListGroupsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code());
        if (!types.isEmpty() && types.stream().noneMatch(CLASSIC::equalsIgnoreCase)) {
            return CompletableFuture.completedFuture(new ListGroupsResponse(response));
        }
        for (GroupCoordinator.GroupOverview g : groups.listGroups()) {
            String state = g.state().kafkaName();
            if (!states.isEmpty() && states.stream().noneMatch(state::equalsIgnoreCase)) {
                continue;
            }
            ListGroupsResponseData.ListedGroup listed = new ListGroupsResponseData.ListedGroup()
                    .setGroupId(g.groupId()).setProtocolType(g.protocolType());
            if (version >= 4) {
                listed.setGroupState(state);
            }
            if (version >= 5) {
                listed.setGroupType(CLASSIC);
            }
            response.groups().add(listed);
        }
        return CompletableFuture.completedFuture(new ListGroupsResponse(response));
    }
}
