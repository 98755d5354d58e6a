package io.sluice.log.server;

import static io.sluice.log.server.GroupRebalance.completeSync;
import static io.sluice.log.server.GroupSupport.done;
import static io.sluice.log.server.GroupSupport.validateMember;

import io.sluice.log.server.GroupCoordinator.LeaveResult;
import io.sluice.log.server.GroupCoordinator.Leaving;
import io.sluice.log.server.GroupCoordinator.SyncResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SyncGroup, Heartbeat and LeaveGroup of a group's members; runs under the GroupCoordinator lock (one lock over every group). */
final class GroupMembership {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Map<String, GroupMetadata> groups;
    private final GroupRebalance rebalance;

    GroupMembership(Map<String, GroupMetadata> groups, GroupRebalance rebalance) {
        this.groups = groups;
        this.rebalance = rebalance;
    }

    // ---------------------------------------------------------------- SyncGroup

    CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId,
                                                    String groupInstanceId, String protocolType, String protocolName,
                                                    Map<String, byte[]> assignments) {
        CompletableFuture<SyncResult> f = new CompletableFuture<>();
        if (groupId == null || groupId.isEmpty()) {
            return done(f, SyncResult.error(Errors.INVALID_GROUP_ID));
        }
        GroupMetadata g = groups.get(groupId);
        Errors error = validateMember(g, memberId, groupInstanceId);
        if (error == Errors.NONE && generationId != g.generationId) {
            error = Errors.ILLEGAL_GENERATION;
        }
        if (error == Errors.NONE && ((protocolType != null && !protocolType.equals(g.protocolType))
                || (protocolName != null && !protocolName.equals(g.protocolName)))) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error != Errors.NONE) {
            return done(f, SyncResult.error(error));
        }
        MemberMetadata m = g.get(memberId);
        switch (g.state()) {
            case EMPTY -> f.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
            case PREPARING_REBALANCE -> f.complete(SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                g.pendingSyncMembers.remove(memberId);
                completeSync(g, m, SyncResult.error(Errors.REBALANCE_IN_PROGRESS)); // a retried SyncGroup
                m.awaitingSync = f;
                if (g.isLeader(memberId)) {
                    LOG.info("Group {} generation {}: assignment received from leader {}", g.groupId,
                            g.generationId, memberId);
                    for (MemberMetadata member : g.members.values()) {
                        byte[] a = assignments.get(member.memberId);
                        member.assignment = a == null ? MemberMetadata.NO_ASSIGNMENT : a;
                    }
                    g.transitionTo(GroupState.STABLE);
                    for (MemberMetadata member : g.members.values()) {
                        if (member.awaitingSync != null) {
                            completeSync(g, member, new SyncResult(Errors.NONE, g.protocolType, g.protocolName,
                                    member.assignment));
                            rebalance.scheduleExpiry(g, member, member.sessionTimeoutMs);
                        }
                    }
                }
            }
            case STABLE -> {
                g.pendingSyncMembers.remove(memberId);
                f.complete(new SyncResult(Errors.NONE, g.protocolType, g.protocolName, m.assignment));
                rebalance.scheduleExpiry(g, m, m.sessionTimeoutMs);
            }
            default -> f.complete(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return f;
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup

    Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        GroupMetadata g = groups.get(groupId);
        Errors error = validateMember(g, memberId, groupInstanceId);
        if (error != Errors.NONE) {
            return error;
        }
        if (generationId != g.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        MemberMetadata m = g.get(memberId);
        return switch (g.state()) {
            case EMPTY, DEAD -> Errors.UNKNOWN_MEMBER_ID;
            case PREPARING_REBALANCE -> {
                rebalance.scheduleExpiry(g, m, m.sessionTimeoutMs);
                yield Errors.REBALANCE_IN_PROGRESS;
            }
            case COMPLETING_REBALANCE, STABLE -> {
                rebalance.scheduleExpiry(g, m, m.sessionTimeoutMs);
                yield Errors.NONE;
            }
        };
    }

    LeaveResult leave(String groupId, List<Leaving> leaving) {
        if (groupId == null || groupId.isEmpty()) {
            return new LeaveResult(Errors.INVALID_GROUP_ID, List.of());
        }
        GroupMetadata g = groups.get(groupId);
        List<Errors> errors = new ArrayList<>(leaving.size());
        if (g == null) {
            leaving.forEach(l -> errors.add(Errors.UNKNOWN_MEMBER_ID));
            return new LeaveResult(Errors.NONE, errors);
        }
        if (g.is(GroupState.DEAD)) {
            return new LeaveResult(Errors.COORDINATOR_NOT_AVAILABLE, List.of());
        }
        for (Leaving l : leaving) {
            String memberId = l.memberId() == null ? "" : l.memberId();
            String instanceId = l.groupInstanceId();
            if (!memberId.isEmpty() && g.isStaticMemberFenced(memberId, instanceId)) {
                errors.add(Errors.FENCED_INSTANCE_ID);
            } else if (g.pendingMembers.remove(memberId)) {
                rebalance.tryCompleteJoin(g);
                errors.add(Errors.NONE);
            } else {
                String id = instanceId != null && g.staticMembers.containsKey(instanceId)
                        ? g.staticMembers.get(instanceId) : memberId;
                MemberMetadata m = g.get(id);
                if (m == null) {
                    errors.add(Errors.UNKNOWN_MEMBER_ID);
                } else {
                    rebalance.removeMemberAndUpdateGroup(g, m, "member " + m + " left");
                    errors.add(Errors.NONE);
                }
            }
        }
        return new LeaveResult(Errors.NONE, errors);
    }
}
