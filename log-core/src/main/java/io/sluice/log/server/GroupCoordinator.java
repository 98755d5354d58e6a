package io.sluice.log.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.Errors;

/**
 * The classic consumer-group protocol as Kafka's group coordinator runs it: membership, rebalances
 * (PreparingRebalance, then CompletingRebalance once every member has rejoined or the rebalance timeout
 * has passed, then Stable once the leader's SyncGroup brings the assignment), session timeouts, static
 * membership (group.instance.id) and the checks an offset commit must pass. It does no I/O: committed
 * offsets live in {@link OffsetStore}, and the handlers turn requests and results into protocol messages.
 *
 * <p>Rules worth knowing (all as in Kafka):
 * <ul>
 *   <li>A JoinGroup without member id gets MEMBER_ID_REQUIRED and a new id (v4+; the member is pending
 *       until it rejoins with it, for at most its session timeout); static members join at once.</li>
 *   <li>The first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms}, a little
 *       longer each time another member joins meanwhile (up to the rebalance timeout); later rebalances
 *       complete as soon as every member has rejoined, or at the rebalance timeout, without the dynamic
 *       members that did not (static members stay in the next generation until their session or the
 *       SyncGroup deadline ends).</li>
 *   <li>A member that neither heartbeats, commits nor syncs for its session timeout is removed and the group
 *       rebalances; one that has not sent SyncGroup by the rebalance timeout after the JoinGroup responses
 *       is removed too.</li>
 *   <li>Offset commits: a member must give its current generation (else ILLEGAL_GENERATION) and be known
 *       (else UNKNOWN_MEMBER_ID); a commit with generation -1 and no member id (a consumer that assigns
 *       partitions itself) is accepted only while the group has no members, and creates the group.</li>
 * </ul>
 *
 * <p>Thread-safe: one lock over every group. Results come back as futures, completed on whatever thread
 * completes the rebalance (a request's thread or the timer's).
 *
 * <p>This class is the facade: it holds the lock and the groups, and delegates to {@link GroupJoin},
 * {@link GroupMembership}, {@link GroupRebalance}, {@link GroupOffsetCommits} and {@link GroupAdmin}.
 */
final class GroupCoordinator {
    /** How long a new member's JoinGroup may wait for a rebalance before the member is dropped. */
    static final long NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
    /** How often empty groups without committed offsets are forgotten (offsets.retention.check.interval.ms). */
    static final long EMPTY_GROUP_SWEEP_INTERVAL_MS = 10 * 60 * 1000;

    /** A JoinGroup request, version-independent. {@code memberId} is "" for a member without one. */
    record JoinParams(String groupId, String memberId, String groupInstanceId, boolean requireKnownMemberId,
                      boolean supportsSkipAssignment, String clientId, String clientHost, int rebalanceTimeoutMs,
                      int sessionTimeoutMs, String protocolType, List<MemberMetadata.Protocol> protocols,
                      String reason) {
    }

    /** What the leader learns of each member: its id, instance id and metadata for the chosen protocol. */
    record JoinedMember(String memberId, String groupInstanceId, byte[] metadata) {
    }

    record JoinResult(Errors error, String memberId, int generationId, String protocolType, String protocolName,
                      String leaderId, boolean skipAssignment, List<JoinedMember> members) {
        static JoinResult error(String memberId, Errors error) {
            return new JoinResult(error, memberId, -1, null, null, "", false, List.of());
        }
    }

    record SyncResult(Errors error, String protocolType, String protocolName, byte[] assignment) {
        static SyncResult error(Errors error) {
            return new SyncResult(error, null, null, MemberMetadata.NO_ASSIGNMENT);
        }
    }

    /** A member leaving: by member id, or (static members) by instance id with member id "". */
    record Leaving(String memberId, String groupInstanceId) {
    }

    record LeaveResult(Errors error, List<Errors> memberErrors) {
    }

    record GroupOverview(String groupId, String protocolType, GroupState state) {
    }

    record MemberSummary(String memberId, String groupInstanceId, String clientId, String clientHost,
                         byte[] metadata, byte[] assignment) {
    }

    /** DescribeGroups: protocol and member metadata only when Stable, as Kafka reports them. */
    record GroupSummary(String groupId, GroupState state, String protocolType, String protocolName,
                        List<MemberSummary> members) {
    }

    private final Map<String, GroupMetadata> groups = new HashMap<>();
    private final GroupJoin joins;
    private final GroupMembership members;
    private final GroupOffsetCommits offsetCommits;
    private final GroupAdmin admin;

    /**
     * @param hasCommittedOffsets whether a group has committed offsets (empty groups without any are
     *                            forgotten after a while)
     * @param onRebalance         told each time a group starts a rebalance (a metric)
     */
    GroupCoordinator(GroupCoordinatorConfig config, GroupTimer timer, Predicate<String> hasCommittedOffsets,
                     Runnable onRebalance) {
        GroupRebalance rebalance = new GroupRebalance(this, config, timer, onRebalance, groups);
        this.joins = new GroupJoin(this, config, timer, groups, rebalance);
        this.members = new GroupMembership(groups, rebalance);
        this.offsetCommits = new GroupOffsetCommits(groups, rebalance);
        this.admin = new GroupAdmin(this, timer, hasCommittedOffsets, groups);
        admin.scheduleSweep();
    }

    synchronized CompletableFuture<JoinResult> join(JoinParams p) {
        return joins.join(p);
    }

    synchronized CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId,
                                                    String groupInstanceId, String protocolType, String protocolName,
                                                    Map<String, byte[]> assignments) {
        return members.sync(groupId, generationId, memberId, groupInstanceId, protocolType, protocolName, assignments);
    }

    synchronized Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
        return members.heartbeat(groupId, memberId, groupInstanceId, generationId);
    }

    synchronized LeaveResult leave(String groupId, List<Leaving> leaving) {
        return members.leave(groupId, leaving);
    }

    /** See {@link GroupOffsetCommits#validateOffsetCommit}. */
    synchronized Errors validateOffsetCommit(String groupId, String memberId, String groupInstanceId, int generationId) {
        return offsetCommits.validateOffsetCommit(groupId, memberId, groupInstanceId, generationId);
    }

    /** Makes sure a group with committed offsets exists (after a restart or a commit). */
    synchronized void ensureGroup(String groupId) {
        offsetCommits.ensureGroup(groupId);
    }

    synchronized List<GroupOverview> listGroups() {
        return admin.listGroups();
    }

    synchronized GroupSummary describe(String groupId) {
        return admin.describe(groupId);
    }

    /** See {@link GroupAdmin#deleteGroups}. */
    synchronized Map<String, Errors> deleteGroups(List<String> groupIds) {
        return admin.deleteGroups(groupIds);
    }

    /** Forgets empty groups that have no committed offsets (Kafka removes them the same way). */
    synchronized int sweepEmptyGroups() {
        return admin.sweepEmptyGroups();
    }

    /** Whether {@code groupId} has no members now (an empty group, or one known only by its offsets). */
    synchronized boolean hasNoMembers(String groupId) {
        GroupMetadata g = groups.get(groupId);
        return g == null || g.is(GroupState.EMPTY) || g.is(GroupState.DEAD);
    }

    /** For tests: the group's state, or null if unknown. */
    synchronized GroupState stateOf(String groupId) {
        GroupMetadata g = groups.get(groupId);
        return g == null ? null : g.state();
    }
}
