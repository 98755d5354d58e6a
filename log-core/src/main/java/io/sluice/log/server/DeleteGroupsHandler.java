package io.sluice.log.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteGroups (v0-v2): empty groups are deleted with their committed offsets (tombstones in
 * {@code __consumer_offsets}, answered once durable); a group with members gets NON_EMPTY_GROUP, an
 * unknown one GROUP_ID_NOT_FOUND.
 */
final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(DeleteGroupsHandler.class);

    private final GroupCoordinator groups;
    private final OffsetStore offsets;

    DeleteGroupsHandler(GroupCoordinator groups, OffsetStore offsets) {
        this.groups = groups;
        this.offsets = offsets;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DeleteGroupsRequest request) {
        Map<String, Errors> results = groups.deleteGroups(request.data().groupsNames());
        List<String> deleted = new ArrayList<>();
        results.forEach((g, e) -> {
            if (e == Errors.NONE) {
                deleted.add(g);
            }
        });
        return offsets.deleteGroups(deleted).handle((n, t) -> {
            if (t != null) {
                LOG.warn("Deleting the offsets of groups {} failed: {}", deleted, t.toString());
                deleted.forEach(g -> {
                    groups.ensureGroup(g); // its offsets may still be there: keep it visible
                    results.put(g, Errors.COORDINATOR_NOT_AVAILABLE);
                });
            } else if (n > 0) {
                LOG.info("Deleted {} committed offsets of groups {}", n, deleted);
            }
            DeleteGroupsResponseData data = new DeleteGroupsResponseData().setThrottleTimeMs(0);
            results.forEach((g, e) -> data.results().add(new DeletableGroupResult().setGroupId(g).setErrorCode(e.code())));
            return new DeleteGroupsResponse(data);
        });
    }
}
