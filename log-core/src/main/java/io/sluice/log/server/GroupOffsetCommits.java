package io.sluice.log.server;

import static io.sluice.log.server.GroupSupport.validateMember;

import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/** The group-side checks of OffsetCommit and groups kept for offsets; runs under the GroupCoordinator lock (one lock over every group). */
final class GroupOffsetCommits {
    private final Map<String, GroupMetadata> groups;
    private final GroupRebalance rebalance;

    GroupOffsetCommits(Map<String, GroupMetadata> groups, GroupRebalance rebalance) {
        this.groups = groups;
        this.rebalance = rebalance;
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Checks an OffsetCommit against the group and, if it may be written, refreshes the member's session.
     * A commit with a negative generation, no member id and no instance id is a consumer managing its own
     * partitions: it is accepted while the group has no members (creating the group if needed).
     */
    Errors validateOffsetCommit(String groupId, String memberId, String groupInstanceId, int generationId) {
        if (groupId == null) {
            return Errors.INVALID_GROUP_ID;
        }
        String member = memberId == null ? "" : memberId;
        GroupMetadata g = groups.get(groupId);
        if (g == null) {
            if (generationId >= 0) {
                return Errors.ILLEGAL_GENERATION; // a member of a generation that no longer exists
            }
            g = new GroupMetadata(groupId);
            groups.put(groupId, g);
        }
        if (g.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generationId < 0 && g.is(GroupState.EMPTY)) {
            return Errors.NONE; // a group only storing offsets: as Kafka, whatever member id comes with it
        }
        if (generationId >= 0 || !member.isEmpty() || groupInstanceId != null) {
            Errors error = validateMember(g, member, groupInstanceId);
            if (error != Errors.NONE) {
                return error;
            }
            if (generationId != g.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (!g.is(GroupState.EMPTY)) {
            return Errors.UNKNOWN_MEMBER_ID; // only members may commit for a group with members
        }
        switch (g.state()) {
            case COMPLETING_REBALANCE:
                return Errors.REBALANCE_IN_PROGRESS;
            case STABLE, PREPARING_REBALANCE:
                MemberMetadata m = g.get(member);
                rebalance.scheduleExpiry(g, m, m.sessionTimeoutMs);
                return Errors.NONE;
            default:
                return Errors.NONE;
        }
    }

    /** Makes sure a group with committed offsets exists (after a restart or a commit). */
    void ensureGroup(String groupId) {
        groups.computeIfAbsent(groupId, GroupMetadata::new);
    }
}
