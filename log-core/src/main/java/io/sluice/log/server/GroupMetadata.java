package io.sluice.log.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The membership state of one classic group: state, generation, protocol, leader, members (in join
 * order), static members by instance id, members that still have to rejoin with the id they were given
 * (MEMBER_ID_REQUIRED) and members that have not sent SyncGroup yet. Plain data with the rules that only
 * read it; the {@link GroupCoordinator} drives the transitions under its lock.
 */
final class GroupMetadata {
    final String groupId;
    private GroupState state = GroupState.EMPTY;
    int generationId;
    /** Protocol type of the members ("consumer"), kept while the group is empty; null if none ever joined. */
    String protocolType;
    /** Protocol chosen for the current generation; null when the generation has no members. */
    String protocolName;
    String leaderId;
    final Map<String, MemberMetadata> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    final Set<String> pendingMembers = new HashSet<>();
    final Set<String> pendingSyncMembers = new HashSet<>();
    /** A member joined during the initial delayed rebalance, which then waits a little longer. */
    boolean newMemberAdded;
    /** True while the first rebalance of an empty group waits out group.initial.rebalance.delay.ms. */
    boolean initialDelay;
    /** Bumped at each rebalance so that the timers of an earlier one do nothing. */
    long rebalanceEpoch;
    GroupTimer.Cancellable joinTimer;
    GroupTimer.Cancellable syncTimer;

    GroupMetadata(String groupId) {
        this.groupId = groupId;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    void transitionTo(GroupState target) {
        if (!target.validPrevious().contains(state)) {
            throw new IllegalStateException("group " + groupId + " cannot move from " + state + " to " + target);
        }
        state = target;
    }

    boolean canRebalance() {
        return state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE || state == GroupState.EMPTY;
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    MemberMetadata get(String memberId) {
        return members.get(memberId);
    }

    boolean isLeader(String memberId) {
        return memberId != null && memberId.equals(leaderId);
    }

    void add(MemberMetadata m) {
        if (members.isEmpty()) {
            protocolType = m.protocolType;
        }
        if (leaderId == null) {
            leaderId = m.memberId;
        }
        members.put(m.memberId, m);
        if (m.isStatic()) {
            staticMembers.put(m.groupInstanceId, m.memberId);
        }
    }

    void remove(MemberMetadata m) {
        members.remove(m.memberId);
        pendingSyncMembers.remove(m.memberId);
        if (m.isStatic() && m.memberId.equals(staticMembers.get(m.groupInstanceId))) {
            staticMembers.remove(m.groupInstanceId);
        }
        if (isLeader(m.memberId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** A static member rejoining without its member id takes {@code newMemberId}; the old id is fenced. */
    MemberMetadata replaceStaticMember(String groupInstanceId, String oldMemberId, String newMemberId) {
        MemberMetadata m = members.remove(oldMemberId);
        if (m == null) {
            throw new IllegalStateException("static member " + groupInstanceId + " with id " + oldMemberId
                    + " is not in group " + groupId);
        }
        m.memberId = newMemberId;
        members.put(newMemberId, m);
        staticMembers.put(groupInstanceId, newMemberId);
        if (isLeader(oldMemberId)) {
            leaderId = newMemberId;
        }
        if (pendingSyncMembers.remove(oldMemberId)) {
            pendingSyncMembers.add(newMemberId);
        }
        return m;
    }

    /**
     * True if {@code groupInstanceId} belongs to another member id than {@code memberId}: a second
     * instance with the same group.instance.id, which must stop.
     */
    boolean isStaticMemberFenced(String memberId, String groupInstanceId) {
        if (groupInstanceId == null) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId);
        return current != null && !current.equals(memberId);
    }

    /**
     * Whether a member of {@code type} offering {@code protocols} may join: an empty group takes any
     * non-empty offer; otherwise the type must match and one protocol must be supported by every member.
     */
    boolean supportsProtocols(String type, Set<String> protocols) {
        if (type == null || type.isEmpty() || protocols.isEmpty()) {
            return false;
        }
        if (members.isEmpty()) {
            return true;
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        for (String p : protocols) {
            if (members.values().stream().allMatch(m -> m.supports(p))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The protocol every member supports that most members prefer (each member votes for its first
     * choice among the common ones; a tie goes to the one the earliest member voted for).
     */
    String selectProtocol() {
        if (members.isEmpty()) {
            throw new IllegalStateException("group " + groupId + " has no members to select a protocol for");
        }
        Set<String> candidates = new LinkedHashSet<>();
        for (MemberMetadata.Protocol p : members.values().iterator().next().protocols) {
            if (members.values().stream().allMatch(m -> m.supports(p.name()))) {
                candidates.add(p.name());
            }
        }
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (MemberMetadata m : members.values()) {
            votes.merge(m.vote(candidates), 1, Integer::sum);
        }
        String best = null;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (best == null || e.getValue() > votes.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** The largest rebalance timeout of the members: how long a rebalance waits for them to rejoin. */
    int rebalanceTimeoutMs() {
        int max = 0;
        for (MemberMetadata m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    boolean hasAllMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(m -> m.awaitingJoin != null);
    }

    /** Each member's id, instance id and metadata for the selected protocol: what the leader assigns from. */
    List<GroupCoordinator.JoinedMember> currentMemberMetadata() {
        List<GroupCoordinator.JoinedMember> out = new ArrayList<>(members.size());
        for (MemberMetadata m : members.values()) {
            out.add(new GroupCoordinator.JoinedMember(m.memberId, m.groupInstanceId, m.metadata(protocolName)));
        }
        return out;
    }

    @Override
    public String toString() {
        return groupId + " [" + state.kafkaName() + ", generation " + generationId + ", " + members.size() + " members]";
    }
}
