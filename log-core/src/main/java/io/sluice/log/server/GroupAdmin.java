package io.sluice.log.server;

import static io.sluice.log.server.GroupSupport.cancel;

import io.sluice.log.server.GroupCoordinator.GroupOverview;
import io.sluice.log.server.GroupCoordinator.GroupSummary;
import io.sluice.log.server.GroupCoordinator.MemberSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ListGroups, DescribeGroups, DeleteGroups and the empty-group sweep; runs under the GroupCoordinator lock (the sweep timer takes it). */
final class GroupAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Object lock;
    private final GroupTimer timer;
    private final Predicate<String> hasCommittedOffsets;
    private final Map<String, GroupMetadata> groups;

    GroupAdmin(Object lock, GroupTimer timer, Predicate<String> hasCommittedOffsets, Map<String, GroupMetadata> groups) {
        this.lock = lock;
        this.timer = timer;
        this.hasCommittedOffsets = hasCommittedOffsets;
        this.groups = groups;
    }

    // ---------------------------------------------------------------- admin

    List<GroupOverview> listGroups() {
        List<GroupOverview> out = new ArrayList<>(groups.size());
        for (GroupMetadata g : groups.values()) {
            out.add(new GroupOverview(g.groupId, g.protocolType == null ? "" : g.protocolType, g.state()));
        }
        return out;
    }

    GroupSummary describe(String groupId) {
        GroupMetadata g = groups.get(groupId);
        if (g == null) {
            return new GroupSummary(groupId, GroupState.DEAD, "", "", List.of());
        }
        boolean stable = g.is(GroupState.STABLE);
        List<MemberSummary> members = new ArrayList<>();
        for (MemberMetadata m : g.members.values()) {
            members.add(new MemberSummary(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    stable ? m.metadata(g.protocolName) : MemberMetadata.NO_ASSIGNMENT,
                    stable ? m.assignment : MemberMetadata.NO_ASSIGNMENT));
        }
        return new GroupSummary(g.groupId, g.state(), g.protocolType == null ? "" : g.protocolType,
                stable ? g.protocolName : "", members);
    }

    /**
     * Deletes the groups that are empty: they become Dead and are forgotten (the caller then deletes their
     * offsets). Others get NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND.
     */
    Map<String, Errors> deleteGroups(List<String> groupIds) {
        Map<String, Errors> out = new LinkedHashMap<>();
        for (String id : new LinkedHashSet<>(groupIds)) {
            GroupMetadata g = id == null ? null : groups.get(id);
            if (id == null) {
                out.put(null, Errors.INVALID_GROUP_ID);
            } else if (g == null || g.is(GroupState.DEAD)) {
                out.put(id, Errors.GROUP_ID_NOT_FOUND);
            } else if (!g.is(GroupState.EMPTY)) {
                out.put(id, Errors.NON_EMPTY_GROUP);
            } else {
                g.transitionTo(GroupState.DEAD);
                cancel(g.joinTimer);
                cancel(g.syncTimer);
                groups.remove(id);
                LOG.info("Deleted group {}", id);
                out.put(id, Errors.NONE);
            }
        }
        return out;
    }

    /** Forgets empty groups that have no committed offsets (Kafka removes them the same way). */
    int sweepEmptyGroups() {
        synchronized (lock) {
            int removed = 0;
            for (var it = groups.values().iterator(); it.hasNext(); ) {
                GroupMetadata g = it.next();
                if (g.is(GroupState.EMPTY) && g.pendingMembers.isEmpty() && !hasCommittedOffsets.test(g.groupId)) {
                    g.transitionTo(GroupState.DEAD);
                    it.remove();
                    removed++;
                }
            }
            return removed;
        }
    }

    void scheduleSweep() {
        timer.schedule(GroupCoordinator.EMPTY_GROUP_SWEEP_INTERVAL_MS, () -> {
            int n = sweepEmptyGroups();
            if (n > 0) {
                LOG.debug("Forgot {} empty groups without committed offsets", n);
            }
            scheduleSweep();
        });
    }
}
