package io.sluice.log.server;

import static io.sluice.log.server.GroupSupport.done;
import static io.sluice.log.server.GroupSupport.protocolNames;
import static io.sluice.log.server.GroupSupport.reason;

import io.sluice.log.server.GroupCoordinator.JoinParams;
import io.sluice.log.server.GroupCoordinator.JoinResult;
import io.sluice.log.server.GroupCoordinator.SyncResult;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JoinGroup for new, known, pending and static members; runs under the GroupCoordinator lock (timer callbacks take it). */
final class GroupJoin {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Object lock;
    private final GroupCoordinatorConfig config;
    private final GroupTimer timer;
    private final Map<String, GroupMetadata> groups;
    private final GroupRebalance rebalance;

    GroupJoin(Object lock, GroupCoordinatorConfig config, GroupTimer timer, Map<String, GroupMetadata> groups,
              GroupRebalance rebalance) {
        this.lock = lock;
        this.config = config;
        this.timer = timer;
        this.groups = groups;
        this.rebalance = rebalance;
    }

    // ---------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinResult> join(JoinParams p) {
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
            rebalance.tryCompleteJoin(g);
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
        rebalance.scheduleExpiry(g, m, GroupCoordinator.NEW_MEMBER_JOIN_TIMEOUT_MS);
        LOG.info("Member {} (client {}) joins group {}{}", m, p.clientId(), g.groupId, reason(p.reason()));
        rebalance.maybePrepareRebalance(g, "member " + m + " joined");
    }

    private void updateMemberAndRebalance(GroupMetadata g, MemberMetadata m, JoinParams p, CompletableFuture<JoinResult> f) {
        updateMember(m, p, f);
        rebalance.maybePrepareRebalance(g, "member " + m + " rejoined" + reason(p.reason()));
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
        rebalance.scheduleExpiry(g, m, m.sessionTimeoutMs);
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
                    rebalance.prepareRebalance(g, "static member " + p.groupInstanceId()
                            + " rejoined with other protocols");
                }
            }
            case COMPLETING_REBALANCE -> rebalance.prepareRebalance(g, "static member " + p.groupInstanceId() + " rejoined");
            case PREPARING_REBALANCE -> {
                // answered when the rebalance completes
            }
            default -> throw new IllegalStateException("group " + g + " has static member " + p.groupInstanceId());
        }
    }

    private void expirePendingMember(String groupId, String memberId) {
        synchronized (lock) {
            GroupMetadata g = groups.get(groupId);
            if (g != null && g.pendingMembers.remove(memberId)) {
                LOG.debug("Pending member {} of group {} did not rejoin in time", memberId, groupId);
                if (g.is(GroupState.PREPARING_REBALANCE)) {
                    rebalance.tryCompleteJoin(g);
                }
            }
        }
    }
}
