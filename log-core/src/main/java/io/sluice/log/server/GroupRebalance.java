package io.sluice.log.server;

import static io.sluice.log.server.GroupSupport.cancel;

import io.sluice.log.server.GroupCoordinator.JoinResult;
import io.sluice.log.server.GroupCoordinator.JoinedMember;
import io.sluice.log.server.GroupCoordinator.SyncResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Rebalance state machine (generations, join/sync timeouts) and session expiry; runs under the GroupCoordinator lock (timer callbacks take it). */
final class GroupRebalance {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final Object lock;
    private final GroupCoordinatorConfig config;
    private final GroupTimer timer;
    private final Runnable onRebalance;
    private final Map<String, GroupMetadata> groups;

    GroupRebalance(Object lock, GroupCoordinatorConfig config, GroupTimer timer, Runnable onRebalance,
                   Map<String, GroupMetadata> groups) {
        this.lock = lock;
        this.config = config;
        this.timer = timer;
        this.onRebalance = onRebalance;
        this.groups = groups;
    }

    // ---------------------------------------------------------------- rebalance

    void maybePrepareRebalance(GroupMetadata g, String reason) {
        if (g.canRebalance()) {
            prepareRebalance(g, reason);
        }
    }

    void prepareRebalance(GroupMetadata g, String reason) {
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

    private void initialJoinDelayPassed(GroupMetadata g, long epoch, long remainingMs) {
        synchronized (lock) {
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
    }

    private void joinTimedOut(GroupMetadata g, long epoch) {
        synchronized (lock) {
            if (g.rebalanceEpoch == epoch && g.is(GroupState.PREPARING_REBALANCE)) {
                completeJoin(g);
            }
        }
    }

    void tryCompleteJoin(GroupMetadata g) {
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
    private void syncTimedOut(GroupMetadata g, long epoch, int generation) {
        synchronized (lock) {
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
    }

    static void completeSync(GroupMetadata g, MemberMetadata m, SyncResult result) {
        CompletableFuture<SyncResult> f = m.awaitingSync;
        if (f != null) {
            m.awaitingSync = null;
            f.complete(result);
        }
    }

    void removeMemberAndUpdateGroup(GroupMetadata g, MemberMetadata m, String reason) {
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
    void scheduleExpiry(GroupMetadata g, MemberMetadata m, long timeoutMs) {
        cancel(m.expiry);
        m.expiry = timer.schedule(timeoutMs, () -> expire(g, m));
    }

    private void expire(GroupMetadata g, MemberMetadata m) {
        synchronized (lock) {
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
                    + (m.awaitingJoin != null ? GroupCoordinator.NEW_MEMBER_JOIN_TIMEOUT_MS : m.sessionTimeoutMs) + " ms)");
        }
    }
}
