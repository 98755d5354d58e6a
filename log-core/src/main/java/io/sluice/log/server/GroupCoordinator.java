package io.sluice.log.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
final class GroupCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
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

    private final GroupCoordinatorConfig config;
    private final GroupTimer timer;
    private final Predicate<String> hasCommittedOffsets;
    private final Runnable onRebalance;
    private final Map<String, GroupMetadata> groups = new HashMap<>();

    /**
     * @param hasCommittedOffsets whether a group has committed offsets (empty groups without any are
     *                            forgotten after a while)
     * @param onRebalance         told each time a group starts a rebalance (a metric)
     */
    GroupCoordinator(GroupCoordinatorConfig config, GroupTimer timer, Predicate<String> hasCommittedOffsets,
                     Runnable onRebalance) {
        this.config = config;
        this.timer = timer;
        this.hasCommittedOffsets = hasCommittedOffsets;
        this.onRebalance = onRebalance;
        scheduleSweep();
    }

    // ---------------------------------------------------------------- JoinGroup

    synchronized CompletableFuture<JoinResult> join(JoinParams p) {
        CompletableFuture<JoinResult> f = new CompletableFuture<>();
        if (p.groupId() == null || p.groupId().isEmpty()) {
            return done(f, JoinResult.error(p.memberId(), Errors.INVALID_GROUP_ID));
        }
        if (p.sessionTimeoutMs() < config.minSessionTimeoutMs() || p.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return done(f, JoinResult.error(p.memberId(), Errors.INVALID_SESSION_TIMEOUT));
        }
        boolean unknownMember = p.memberId().isEmpty();
        GroupMetadata g = groups.get(p.groupId());
        if (g == null) {
            if (!unknownMember) {
                return done(f, JoinResult.error(p.memberId(), Errors.UNKNOWN_MEMBER_ID));
            }
            g = new GroupMetadata(p.groupId());
            groups.put(g.groupId, g);
        }
        if (unknownMember && g.members.size() >= config.maxSize()) {
            return done(f, JoinResult.error("", Errors.GROUP_MAX_SIZE_REACHED));
        }
        if (unknownMember) {
            joinUnknownMember(g, p, f);
        } else {
            joinKnownMember(g, p, f);
        }
        if (g.is(GroupState.PREPARING_REBALANCE)) {
            tryCompleteJoin(g);
        }
        return f;
    }

    private void joinUnknownMember(GroupMetadata g, JoinParams p, CompletableFuture<JoinResult> f) {
        if (g.is(GroupState.DEAD)) {
            f.complete(JoinResult.error("", Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!g.supportsProtocols(p.protocolType(), protocolNames(p.protocols()))) {
            f.complete(JoinResult.error("", Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        String newMemberId = (p.groupInstanceId() != null ? p.groupInstanceId() : p.clientId()) + "-" + UUID.randomUUID();
        String oldStaticId = p.groupInstanceId() == null ? null : g.staticMembers.get(p.groupInstanceId());
        if (oldStaticId != null) {
            replaceStaticMember(g, oldStaticId, newMemberId, p, f);
        } else if (p.groupInstanceId() == null && p.requireKnownMemberId()) {
            g.pendingMembers.add(newMemberId);
            String groupId = g.groupId;
            timer.schedule(p.sessionTimeoutMs(), () -> expirePendingMember(groupId, newMemberId));
            f.complete(JoinResult.error(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMemberAndRebalance(g, newMemberId, p, f);
        }
    }

    private void joinKnownMember(GroupMetadata g, JoinParams p, CompletableFuture<JoinResult> f) {
        String memberId = p.memberId();
        if (g.is(GroupState.DEAD)) {
            f.complete(JoinResult.error(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        } else if (!g.supportsProtocols(p.protocolType(), protocolNames(p.protocols()))) {
            f.complete(JoinResult.error(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        } else if (g.pendingMembers.contains(memberId)) {
            if (p.groupInstanceId() != null) {
                f.complete(JoinResult.error(memberId, Errors.UNKNOWN_MEMBER_ID)); // ids given to dynamic members only
            } else {
                addMemberAndRebalance(g, memberId, p, f);
            }
        } else if (g.isStaticMemberFenced(memberId, p.groupInstanceId())) {
            f.complete(JoinResult.error(memberId, Errors.FENCED_INSTANCE_ID));
        } else if (!g.has(memberId) || (p.groupInstanceId() != null && !g.staticMembers.containsKey(p.groupInstanceId()))) {
            f.complete(JoinResult.error(memberId, Errors.UNKNOWN_MEMBER_ID));
        } else {
            MemberMetadata m = g.get(memberId);
            switch (g.state()) {
                case PREPARING_REBALANCE -> updateMemberAndRebalance(g, m, p, f);
                case COMPLETING_REBALANCE -> {
                    if (m.matches(p.protocols())) {
                        // it lost the JoinGroup response: answer it again for the current generation
                        f.complete(currentGeneration(g, memberId, g.isLeader(memberId)));
                    } else {
                        updateMemberAndRebalance(g, m, p, f);
                    }
                }
                case STABLE -> {
                    if (g.isLeader(memberId) || !m.matches(p.protocols())) {
                        // the leader rejoining lets it react to changes the member metadata does not show
                        updateMemberAndRebalance(g, m, p, f);
                    } else {
                        f.complete(currentGeneration(g, memberId, false));
                    }
                }
                default -> f.complete(JoinResult.error(memberId, Errors.UNKNOWN_MEMBER_ID));
            }
        }
    }

    private JoinResult currentGeneration(GroupMetadata g, String memberId, boolean withMembers) {
        return new JoinResult(Errors.NONE, memberId, g.generationId, g.protocolType, g.protocolName, g.leaderId, false,
                withMembers ? g.currentMemberMetadata() : List.of());
    }

    private void addMemberAndRebalance(GroupMetadata g, String memberId, JoinParams p, CompletableFuture<JoinResult> f) {
        MemberMetadata m = new MemberMetadata(memberId, p.groupInstanceId(), p.clientId(), p.clientHost(),
                p.protocolType(), p.rebalanceTimeoutMs(), p.sessionTimeoutMs(), p.protocols());
        m.isNew = true;
        m.awaitingJoin = f;
        if (g.is(GroupState.PREPARING_REBALANCE) && g.generationId == 0) {
            g.newMemberAdded = true;
        }
        g.add(m);
        g.pendingMembers.remove(memberId);
        // A new member cannot heartbeat before its JoinGroup is answered: bound its wait instead.
        scheduleExpiry(g, m, NEW_MEMBER_JOIN_TIMEOUT_MS);
        LOG.info("Member {} (client {}) joins group {}{}", m, p.clientId(), g.groupId, reason(p.reason()));
        maybePrepareRebalance(g, "member " + m + " joined");
    }

    private void updateMemberAndRebalance(GroupMetadata g, MemberMetadata m, JoinParams p, CompletableFuture<JoinResult> f) {
        updateMember(m, p, f);
        maybePrepareRebalance(g, "member " + m + " rejoined" + reason(p.reason()));
    }

    private void updateMember(MemberMetadata m, JoinParams p, CompletableFuture<JoinResult> f) {
        m.protocols = List.copyOf(p.protocols());
        m.rebalanceTimeoutMs = p.rebalanceTimeoutMs();
        m.sessionTimeoutMs = p.sessionTimeoutMs();
        if (m.awaitingJoin != null) {
            // a retried JoinGroup replaces the earlier one; that one must still get an answer
            m.awaitingJoin.complete(JoinResult.error(m.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        m.awaitingJoin = f;
    }

    /**
     * A static member rejoining without its member id (a restarted instance): it takes a new id and the
     * old one is fenced. In a stable group whose protocol stays the same it gets the current generation
     * without a rebalance; in a completing rebalance the group rebalances again, since the leader may be
     * assigning to the old id.
     */
    private void replaceStaticMember(GroupMetadata g, String oldMemberId, String newMemberId, JoinParams p,
                                     CompletableFuture<JoinResult> f) {
        String oldLeader = g.leaderId;
        MemberMetadata old = g.get(oldMemberId);
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(JoinResult.error(oldMemberId, Errors.FENCED_INSTANCE_ID));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(SyncResult.error(Errors.FENCED_INSTANCE_ID));
            old.awaitingSync = null;
        }
        MemberMetadata m = g.replaceStaticMember(p.groupInstanceId(), oldMemberId, newMemberId);
        LOG.info("Static member {} of group {} rejoins: member id {} replaces {}", p.groupInstanceId(), g.groupId,
                newMemberId, oldMemberId);
        scheduleExpiry(g, m, m.sessionTimeoutMs);
        updateMember(m, p, f);
        switch (g.state()) {
            case STABLE -> {
                if (g.selectProtocol().equals(g.protocolName)) {
                    m.awaitingJoin = null;
                    boolean leader = g.isLeader(newMemberId);
                    boolean skip = leader && p.supportsSkipAssignment();
                    // Older clients must not believe they lead (their assignment would not reach the others):
                    // they are told the old leader id, which no longer matches theirs.
                    f.complete(new JoinResult(Errors.NONE, newMemberId, g.generationId, g.protocolType,
                            g.protocolName, skip ? g.leaderId : oldLeader, skip,
                            skip ? g.currentMemberMetadata() : List.of()));
                } else {
                    prepareRebalance(g, "static member " + p.groupInstanceId() + " rejoined with other protocols");
                }
            }
            case COMPLETING_REBALANCE -> prepareRebalance(g, "static member " + p.groupInstanceId() + " rejoined");
            case PREPARING_REBALANCE -> {
                // answered when the rebalance completes
            }
            default -> throw new IllegalStateException("group " + g + " has static member " + p.groupInstanceId());
        }
    }

    private void expirePendingMember(String groupId, String memberId) {
        synchronized (this) {
            GroupMetadata g = groups.get(groupId);
            if (g != null && g.pendingMembers.remove(memberId)) {
                LOG.debug("Pending member {} of group {} did not rejoin in time", memberId, groupId);
                if (g.is(GroupState.PREPARING_REBALANCE)) {
                    tryCompleteJoin(g);
                }
            }
        }
    }

    // ---------------------------------------------------------------- rebalance

    private void maybePrepareRebalance(GroupMetadata g, String reason) {
        if (g.canRebalance()) {
            prepareRebalance(g, reason);
        }
    }

    private void prepareRebalance(GroupMetadata g, String reason) {
        if (g.is(GroupState.COMPLETING_REBALANCE)) {
            // members waiting for their assignment must rejoin instead
            for (MemberMetadata m : g.members.values()) {
                m.assignment = MemberMetadata.NO_ASSIGNMENT;
                completeSync(g, m, SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
            }
        }
        cancel(g.syncTimer);
        g.syncTimer = null;
        g.pendingSyncMembers.clear();
        boolean initial = g.is(GroupState.EMPTY);
        g.transitionTo(GroupState.PREPARING_REBALANCE);
        onRebalance.run();
        long epoch = ++g.rebalanceEpoch;
        LOG.info("Preparing to rebalance group {} (generation {}): {}", g.groupId, g.generationId, reason);
        cancel(g.joinTimer);
        if (initial) {
            int delay = config.initialRebalanceDelayMs();
            g.initialDelay = true;
            g.newMemberAdded = false;
            scheduleInitialJoin(g, epoch, delay, Math.max(g.rebalanceTimeoutMs() - delay, 0));
        } else {
            g.initialDelay = false;
            g.joinTimer = timer.schedule(g.rebalanceTimeoutMs(), () -> joinTimedOut(g, epoch));
            tryCompleteJoin(g); // e.g. the last member left: nobody to wait for
        }
    }

    private void scheduleInitialJoin(GroupMetadata g, long epoch, long delayMs, long remainingMs) {
        g.joinTimer = timer.schedule(delayMs, () -> initialJoinDelayPassed(g, epoch, remainingMs));
    }

    private synchronized void initialJoinDelayPassed(GroupMetadata g, long epoch, long remainingMs) {
        if (g.rebalanceEpoch != epoch || !g.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        if (g.newMemberAdded && remainingMs > 0) {
            g.newMemberAdded = false;
            long delay = Math.min(config.initialRebalanceDelayMs(), remainingMs);
            scheduleInitialJoin(g, epoch, delay, Math.max(remainingMs - delay, 0));
        } else {
            g.initialDelay = false;
            completeJoin(g);
        }
    }

    private synchronized void joinTimedOut(GroupMetadata g, long epoch) {
        if (g.rebalanceEpoch == epoch && g.is(GroupState.PREPARING_REBALANCE)) {
            completeJoin(g);
        }
    }

    private void tryCompleteJoin(GroupMetadata g) {
        if (g.is(GroupState.PREPARING_REBALANCE) && !g.initialDelay && g.hasAllMembersJoined()) {
            completeJoin(g);
        }
    }

    /**
     * Ends the join phase: dynamic members that did not rejoin are dropped (static ones stay: their session
     * or sync timeout removes them if they are really gone) and the next generation starts, with the
     * JoinGroup of every member that rejoined answered (the leader's with the members' metadata), or the
     * group is empty. If only static members that have not rejoined remain, the join phase waits another
     * rebalance timeout.
     */
    private void completeJoin(GroupMetadata g) {
        cancel(g.joinTimer);
        g.joinTimer = null;
        for (MemberMetadata m : new ArrayList<>(g.members.values())) {
            if (m.awaitingJoin == null && !m.isStatic()) {
                LOG.info("Member {} of group {} did not rejoin in time and is removed", m, g.groupId);
                cancel(m.expiry);
                completeSync(g, m, SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
                g.remove(m);
            }
        }
        if (g.is(GroupState.DEAD)) {
            return;
        }
        if (!g.members.isEmpty() && g.members.values().stream().allMatch(m -> m.awaitingJoin == null)) {
            LOG.warn("Group {} could not complete its rebalance: no member rejoined; waiting longer", g.groupId);
            long epoch = g.rebalanceEpoch;
            g.joinTimer = timer.schedule(g.rebalanceTimeoutMs(), () -> joinTimedOut(g, epoch));
            return;
        }
        g.generationId++;
        if (g.members.isEmpty()) {
            g.protocolName = null;
            g.leaderId = null;
            g.transitionTo(GroupState.EMPTY);
            LOG.info("Group {} is empty at generation {}", g.groupId, g.generationId);
            return;
        }
        if (!g.has(g.leaderId) || g.get(g.leaderId).awaitingJoin == null) {
            // the leader must be a member that rejoined: it has to answer with the assignment
            g.leaderId = g.members.values().stream().filter(m -> m.awaitingJoin != null).findFirst().orElseThrow().memberId;
        }
        g.protocolName = g.selectProtocol();
        g.transitionTo(GroupState.COMPLETING_REBALANCE);
        LOG.info("Group {} starts generation {} with {} members (protocol {}, leader {})", g.groupId, g.generationId,
                g.members.size(), g.protocolName, g.leaderId);
        List<JoinedMember> all = g.currentMemberMetadata();
        List<CompletableFuture<JoinResult>> answers = new ArrayList<>();
        List<JoinResult> results = new ArrayList<>();
        for (MemberMetadata m : g.members.values()) {
            m.assignment = MemberMetadata.NO_ASSIGNMENT;
            m.isNew = false;
            g.pendingSyncMembers.add(m.memberId);
            if (m.awaitingJoin != null) {
                answers.add(m.awaitingJoin);
                results.add(new JoinResult(Errors.NONE, m.memberId, g.generationId, g.protocolType, g.protocolName,
                        g.leaderId, false, g.isLeader(m.memberId) ? all : List.of()));
                m.awaitingJoin = null;
            }
            scheduleExpiry(g, m, m.sessionTimeoutMs);
        }
        long epoch = g.rebalanceEpoch;
        int generation = g.generationId;
        g.syncTimer = timer.schedule(g.rebalanceTimeoutMs(), () -> syncTimedOut(g, epoch, generation));
        for (int i = 0; i < answers.size(); i++) {
            answers.get(i).complete(results.get(i));
        }
    }

    /** Members that have not sent SyncGroup a rebalance timeout after the JoinGroup responses are removed. */
    private synchronized void syncTimedOut(GroupMetadata g, long epoch, int generation) {
        if (g.rebalanceEpoch != epoch || g.generationId != generation || g.pendingSyncMembers.isEmpty()
                || !(g.is(GroupState.COMPLETING_REBALANCE) || g.is(GroupState.STABLE))) {
            return;
        }
        for (String id : new ArrayList<>(g.pendingSyncMembers)) {
            MemberMetadata m = g.get(id);
            if (m != null) {
                removeMemberAndUpdateGroup(g, m, "member " + m + " did not send SyncGroup in time");
            }
        }
    }

    // ---------------------------------------------------------------- SyncGroup

    synchronized CompletableFuture<SyncResult> sync(String groupId, int generationId, String memberId,
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
                            scheduleExpiry(g, member, member.sessionTimeoutMs);
                        }
                    }
                }
            }
            case STABLE -> {
                g.pendingSyncMembers.remove(memberId);
                f.complete(new SyncResult(Errors.NONE, g.protocolType, g.protocolName, m.assignment));
                scheduleExpiry(g, m, m.sessionTimeoutMs);
            }
            default -> f.complete(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return f;
    }

    private static void completeSync(GroupMetadata g, MemberMetadata m, SyncResult result) {
        CompletableFuture<SyncResult> f = m.awaitingSync;
        if (f != null) {
            m.awaitingSync = null;
            f.complete(result);
        }
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup

    synchronized Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
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
                scheduleExpiry(g, m, m.sessionTimeoutMs);
                yield Errors.REBALANCE_IN_PROGRESS;
            }
            case COMPLETING_REBALANCE, STABLE -> {
                scheduleExpiry(g, m, m.sessionTimeoutMs);
                yield Errors.NONE;
            }
        };
    }

    synchronized LeaveResult leave(String groupId, List<Leaving> leaving) {
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
                tryCompleteJoin(g);
                errors.add(Errors.NONE);
            } else {
                String id = instanceId != null && g.staticMembers.containsKey(instanceId)
                        ? g.staticMembers.get(instanceId) : memberId;
                MemberMetadata m = g.get(id);
                if (m == null) {
                    errors.add(Errors.UNKNOWN_MEMBER_ID);
                } else {
                    removeMemberAndUpdateGroup(g, m, "member " + m + " left");
                    errors.add(Errors.NONE);
                }
            }
        }
        return new LeaveResult(Errors.NONE, errors);
    }

    private void removeMemberAndUpdateGroup(GroupMetadata g, MemberMetadata m, String reason) {
        LOG.info("Removing member {} from group {}: {}", m, g.groupId, reason);
        cancel(m.expiry);
        CompletableFuture<JoinResult> join = m.awaitingJoin;
        m.awaitingJoin = null;
        g.remove(m);
        if (join != null) {
            join.complete(JoinResult.error("", Errors.UNKNOWN_MEMBER_ID));
        }
        completeSync(g, m, SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
        switch (g.state()) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(g, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(g);
            default -> {
            }
        }
    }

    // ---------------------------------------------------------------- session expiry

    /** The member proved alive now: it expires {@code timeoutMs} from now unless it does so again. */
    private void scheduleExpiry(GroupMetadata g, MemberMetadata m, long timeoutMs) {
        cancel(m.expiry);
        m.expiry = timer.schedule(timeoutMs, () -> expire(g, m));
    }

    private synchronized void expire(GroupMetadata g, MemberMetadata m) {
        if (groups.get(g.groupId) != g || g.get(m.memberId) != m) {
            return; // gone or replaced meanwhile
        }
        boolean keepAlive = m.awaitingJoin != null ? !m.isNew : m.awaitingSync != null;
        if (keepAlive) {
            // waiting on the rebalance, which has its own timeout
            scheduleExpiry(g, m, m.sessionTimeoutMs);
            return;
        }
        removeMemberAndUpdateGroup(g, m, "session of member " + m + " expired (no heartbeat for "
                + (m.awaitingJoin != null ? NEW_MEMBER_JOIN_TIMEOUT_MS : m.sessionTimeoutMs) + " ms)");
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Checks an OffsetCommit against the group and, if it may be written, refreshes the member's session.
     * A commit with a negative generation, no member id and no instance id is a consumer managing its own
     * partitions: it is accepted while the group has no members (creating the group if needed).
     */
    synchronized Errors validateOffsetCommit(String groupId, String memberId, String groupInstanceId, int generationId) {
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
                scheduleExpiry(g, m, m.sessionTimeoutMs);
                return Errors.NONE;
            default:
                return Errors.NONE;
        }
    }

    /** Makes sure a group with committed offsets exists (after a restart or a commit). */
    synchronized void ensureGroup(String groupId) {
        groups.computeIfAbsent(groupId, GroupMetadata::new);
    }

    // ---------------------------------------------------------------- admin

    synchronized List<GroupOverview> listGroups() {
        List<GroupOverview> out = new ArrayList<>(groups.size());
        for (GroupMetadata g : groups.values()) {
            out.add(new GroupOverview(g.groupId, g.protocolType == null ? "" : g.protocolType, g.state()));
        }
        return out;
    }

    synchronized GroupSummary describe(String groupId) {
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
    synchronized Map<String, Errors> deleteGroups(List<String> groupIds) {
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
    synchronized int sweepEmptyGroups() {
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

    private void scheduleSweep() {
        timer.schedule(EMPTY_GROUP_SWEEP_INTERVAL_MS, () -> {
            int n = sweepEmptyGroups();
            if (n > 0) {
                LOG.debug("Forgot {} empty groups without committed offsets", n);
            }
            scheduleSweep();
        });
    }

    // ---------------------------------------------------------------- helpers

    /** Common checks of Heartbeat, SyncGroup and member commits: the group and the member exist and match. */
    private static Errors validateMember(GroupMetadata g, String memberId, String groupInstanceId) {
        if (g == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (g.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (g.isStaticMemberFenced(memberId, groupInstanceId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!g.has(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return Errors.NONE;
    }

    private static Set<String> protocolNames(List<MemberMetadata.Protocol> protocols) {
        Set<String> names = new LinkedHashSet<>();
        protocols.forEach(p -> names.add(p.name()));
        return names;
    }

    private static void cancel(GroupTimer.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }

    private static String reason(String reason) {
        return reason == null || reason.isEmpty() ? "" : " (" + reason + ")";
    }

    private static <T> CompletableFuture<T> done(CompletableFuture<T> f, T value) {
        f.complete(value);
        return f;
    }

    /** For tests: the group's state, or null if unknown. */
    synchronized GroupState stateOf(String groupId) {
        GroupMetadata g = groups.get(groupId);
        return g == null ? null : g.state();
    }
}
