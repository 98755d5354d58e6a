package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.server.GroupCoordinator.JoinParams;
import io.sluice.log.server.GroupCoordinator.JoinResult;
import io.sluice.log.server.GroupCoordinator.Leaving;
import io.sluice.log.server.GroupCoordinator.SyncResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The group state machine driven by hand: no sockets, no sleeping, time moves when the test says so. */
class GroupCoordinatorTest {
    static final int SESSION_MS = 10_000;
    static final int REBALANCE_MS = 30_000;
    static final int INITIAL_DELAY_MS = 3_000;

    final ManualGroupTimer timer = new ManualGroupTimer();
    final Set<String> groupsWithOffsets = new HashSet<>();
    final AtomicInteger rebalances = new AtomicInteger();
    GroupCoordinator coordinator = coordinator(0);

    GroupCoordinator coordinator(int initialDelayMs) {
        return new GroupCoordinator(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(initialDelayMs)
                .withSessionTimeoutRange(1_000, 60_000), timer, groupsWithOffsets::contains, rebalances::incrementAndGet);
    }

    static JoinParams join(String group, String memberId, String instanceId, String... protocols) {
        List<MemberMetadata.Protocol> list = new ArrayList<>();
        for (String p : protocols) {
            list.add(new MemberMetadata.Protocol(p, (p + "-meta").getBytes(StandardCharsets.UTF_8)));
        }
        return new JoinParams(group, memberId, instanceId, instanceId == null, true, "client", "/127.0.0.1",
                REBALANCE_MS, SESSION_MS, "consumer", list, "test");
    }

    /** A dynamic member joining from scratch: the MEMBER_ID_REQUIRED round trip, then the real JoinGroup. */
    CompletableFuture<JoinResult> joinNew(String group, String... protocols) {
        return coordinator.join(join(group, memberIdRequired(group, protocols), null, protocols));
    }

    /** The first JoinGroup of a dynamic member: answered MEMBER_ID_REQUIRED with the id to use. */
    String memberIdRequired(String group, String... protocols) {
        JoinResult first = coordinator.join(join(group, "", null, protocols.length == 0 ? new String[] {"range"} : protocols)).join();
        assertThat(first.error()).as("first JoinGroup of a dynamic member").isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).as("member id handed out with MEMBER_ID_REQUIRED").startsWith("client-");
        return first.memberId();
    }

    /** One member that has joined and synced alone: returns its member id (generation 1). */
    String stableSingleMember(String group) {
        CompletableFuture<JoinResult> f = joinNew(group, "range");
        timer.runDue();
        JoinResult r = f.join();
        SyncResult s = coordinator.sync(group, r.generationId(), r.memberId(), null, "consumer", "range",
                Map.of(r.memberId(), bytes("all"))).join();
        assertThat(s.error()).isEqualTo(Errors.NONE);
        return r.memberId();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void dynamicMemberGetsAMemberIdFirstThenLeadsTheFirstGeneration() {
        // given a member without id, when it joins twice (v4+ handshake)
        CompletableFuture<JoinResult> f = joinNew("g", "range", "roundrobin");
        assertThat(f).as("JoinGroup waits for the rebalance").isNotDone();
        timer.runDue(); // initial delay 0

        // then it leads generation 1 with the first protocol it prefers and sees its own metadata
        JoinResult r = f.join();
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.generationId()).isEqualTo(1);
        assertThat(r.leaderId()).isEqualTo(r.memberId());
        assertThat(r.protocolName()).isEqualTo("range");
        assertThat(r.protocolType()).isEqualTo("consumer");
        assertThat(r.members()).extracting(GroupCoordinator.JoinedMember::memberId).containsExactly(r.memberId());
        assertThat(new String(r.members().get(0).metadata(), StandardCharsets.UTF_8)).isEqualTo("range-meta");
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.COMPLETING_REBALANCE);
        assertThat(rebalances.get()).as("rebalances counted").isEqualTo(1);
    }

    @Test
    void secondMemberTriggersARebalanceThatCompletesWhenEveryoneRejoinedAndTheLeaderAssigns() {
        // given a stable group of one
        String a = stableSingleMember("g");
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.NONE);

        // when a second member joins
        CompletableFuture<JoinResult> bJoin = joinNew("g", "range");

        // then the first learns of the rebalance from its heartbeat, and the join waits for it
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(bJoin).isNotDone();
        CompletableFuture<JoinResult> aJoin = coordinator.join(join("g", a, null, "range"));
        JoinResult ar = aJoin.join();
        JoinResult br = bJoin.join();
        assertThat(ar.generationId()).isEqualTo(2);
        assertThat(br.generationId()).isEqualTo(2);
        assertThat(ar.leaderId()).as("the old leader keeps leading").isEqualTo(a);
        assertThat(ar.members()).hasSize(2);
        assertThat(br.members()).as("followers get no member list").isEmpty();

        // when the follower syncs first, it waits for the leader's assignment
        CompletableFuture<SyncResult> bSync = coordinator.sync("g", 2, br.memberId(), null, "consumer", "range", Map.of());
        assertThat(bSync).isNotDone();
        SyncResult as = coordinator.sync("g", 2, a, null, "consumer", "range",
                Map.of(a, bytes("p0,p1"), br.memberId(), bytes("p2,p3"))).join();

        // then each gets its own assignment and the group is stable
        assertThat(new String(as.assignment(), StandardCharsets.UTF_8)).isEqualTo("p0,p1");
        assertThat(new String(bSync.join().assignment(), StandardCharsets.UTF_8)).isEqualTo("p2,p3");
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.STABLE);
        assertThat(coordinator.heartbeat("g", br.memberId(), null, 2)).isEqualTo(Errors.NONE);
        assertThat(coordinator.heartbeat("g", br.memberId(), null, 1)).as("heartbeat of an old generation")
                .isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(coordinator.heartbeat("g", "nobody", null, 2)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void initialRebalanceWaitsTheDelayAndLongerWhileMembersKeepJoining() {
        coordinator = coordinator(INITIAL_DELAY_MS);
        // given a first member of an empty group
        CompletableFuture<JoinResult> a = joinNew("g", "range");
        timer.advance(INITIAL_DELAY_MS - 1);
        assertThat(a).as("join before the initial delay passed").isNotDone();

        // when another joins during the delay, the delay starts over
        CompletableFuture<JoinResult> b = joinNew("g", "range");
        timer.advance(1);
        assertThat(a).as("join right after the first delay, another member having joined").isNotDone();
        timer.advance(INITIAL_DELAY_MS);

        // then both are in generation 1
        assertThat(a.join().generationId()).isEqualTo(1);
        assertThat(b.join().generationId()).isEqualTo(1);
        assertThat(a.join().leaderId()).isEqualTo(a.join().memberId());
    }

    @Test
    void memberThatStopsHeartbeatingIsExpiredAfterItsSessionTimeoutAndTheGroupRebalances() {
        // given a stable group of two
        String a = stableSingleMember("g");
        CompletableFuture<JoinResult> bJoin = joinNew("g", "range");
        coordinator.join(join("g", a, null, "range"));
        String b = bJoin.join().memberId();
        coordinator.sync("g", 2, a, null, null, null, Map.of(a, bytes("x"), b, bytes("y")));
        coordinator.sync("g", 2, b, null, null, null, Map.of());
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.STABLE);

        // when only a keeps heartbeating
        timer.advance(SESSION_MS - 1);
        assertThat(coordinator.heartbeat("g", a, null, 2)).as("heartbeat of a just before b's session ends")
                .isEqualTo(Errors.NONE);
        timer.advance(1);

        // then b was expired after its session timeout: a is told to rejoin and ends up alone
        assertThat(coordinator.describe("g").members()).extracting(GroupCoordinator.MemberSummary::memberId)
                .containsExactly(a);
        assertThat(coordinator.heartbeat("g", a, null, 2)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(coordinator.heartbeat("g", b, null, 2)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        JoinResult r = coordinator.join(join("g", a, null, "range")).join();
        assertThat(r.generationId()).isEqualTo(3);
        assertThat(r.members()).hasSize(1);
    }

    @Test
    void memberIsNotExpiredBeforeItsSessionTimeout() {
        String a = stableSingleMember("g");
        timer.advance(SESSION_MS - 1);
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.NONE);
        timer.advance(SESSION_MS - 1);
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.STABLE);
        timer.advance(1);
        assertThat(coordinator.stateOf("g")).as("state after a full session without heartbeat").isEqualTo(GroupState.EMPTY);
    }

    @Test
    void memberThatDoesNotRejoinIsDroppedAtTheRebalanceTimeout() {
        // given a stable member a, and b joining
        String a = stableSingleMember("g");
        CompletableFuture<JoinResult> bJoin = joinNew("g", "range");

        // when a keeps heartbeating but never rejoins
        for (int t = 0; t < REBALANCE_MS; t += SESSION_MS / 2) {
            assertThat(bJoin).isNotDone();
            coordinator.heartbeat("g", a, null, 1);
            timer.advance(SESSION_MS / 2);
        }

        // then the rebalance completes without it
        JoinResult b = bJoin.join();
        assertThat(b.generationId()).isEqualTo(2);
        assertThat(b.leaderId()).isEqualTo(b.memberId());
        assertThat(b.members()).extracting(GroupCoordinator.JoinedMember::memberId).containsExactly(b.memberId());
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void memberThatNeverSendsSyncGroupIsRemovedAfterTheRebalanceTimeout() {
        // given a member that joined
        CompletableFuture<JoinResult> f = joinNew("g", "range");
        timer.runDue();
        String a = f.join().memberId();

        // when it heartbeats but never syncs
        for (int t = 0; t < REBALANCE_MS; t += SESSION_MS / 2) {
            assertThat(coordinator.heartbeat("g", a, null, 1)).as("heartbeat while completing the rebalance")
                    .isIn(Errors.NONE, Errors.UNKNOWN_MEMBER_ID);
            timer.advance(SESSION_MS / 2);
        }

        // then it is gone
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.EMPTY);
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void pendingMemberThatNeverRejoinsWithItsIdIsForgotten() {
        // given a stable member and a new one that got its id but did not come back
        String a = stableSingleMember("g");
        JoinResult pending = coordinator.join(join("g", "", null, "range")).join();
        assertThat(pending.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);

        // when its session timeout passes (the stable member heartbeating meanwhile)
        timer.advance(SESSION_MS / 2);
        assertThat(coordinator.heartbeat("g", a, null, 1)).isEqualTo(Errors.NONE);
        timer.advance(SESSION_MS / 2);

        // then its id is no longer accepted, and the group never rebalanced for it
        assertThat(coordinator.join(join("g", pending.memberId(), null, "range")).join().error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.heartbeat("g", a, null, 1)).isIn(Errors.NONE);
    }

    @Test
    void commonProtocolPreferredByMostMembersIsChosenAndAnIncompatibleMemberIsRefused() {
        // given members preferring different assignors, all supporting "roundrobin"
        CompletableFuture<JoinResult> a = joinNew("g", "range", "roundrobin");
        CompletableFuture<JoinResult> b = joinNew("g", "roundrobin", "range");
        CompletableFuture<JoinResult> c = joinNew("g", "roundrobin", "sticky");
        timer.runDue();

        // then the one every member supports with the most votes wins
        assertThat(a.join().protocolName()).isEqualTo("roundrobin");
        assertThat(c.join().protocolName()).isEqualTo("roundrobin");
        assertThat(b.join().generationId()).isEqualTo(1);

        // and a member supporting none of the group's protocols, or of another type, cannot join
        assertThat(coordinator.join(join("g", "", null, "cooperative-sticky")).join().error())
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        JoinParams otherType = join("g", "", null, "roundrobin");
        otherType = new JoinParams("g", "", null, true, true, "c", "/h", REBALANCE_MS, SESSION_MS, "connect",
                otherType.protocols(), null);
        assertThat(coordinator.join(otherType).join().error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void sessionTimeoutOutsideTheAllowedRangeIsRefused() {
        JoinParams p = join("g", "", null, "range");
        JoinParams tooShort = new JoinParams("g", "", null, true, true, "c", "/h", REBALANCE_MS, 999, "consumer",
                p.protocols(), null);
        assertThat(coordinator.join(tooShort).join().error()).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(coordinator.join(join("", "", null, "range")).join().error()).isEqualTo(Errors.INVALID_GROUP_ID);
    }

    @Test
    void offsetCommitsAreCheckedAgainstMembershipAndGeneration() {
        // a consumer outside group management may commit for a group that does not exist yet, or is empty
        assertThat(coordinator.validateOffsetCommit("beam", "", null, -1)).isEqualTo(Errors.NONE);
        assertThat(coordinator.stateOf("beam")).as("group created by the commit").isEqualTo(GroupState.EMPTY);
        assertThat(coordinator.validateOffsetCommit("beam", "", null, -1)).isEqualTo(Errors.NONE);
        // a generation for a group that does not exist is stale
        assertThat(coordinator.validateOffsetCommit("unknown", "m", null, 3)).isEqualTo(Errors.ILLEGAL_GENERATION);

        // given an active group
        String a = stableSingleMember("g");
        assertThat(coordinator.validateOffsetCommit("g", a, null, 1)).isEqualTo(Errors.NONE);
        assertThat(coordinator.validateOffsetCommit("g", a, null, 0)).as("stale generation").isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(coordinator.validateOffsetCommit("g", "stranger", null, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.validateOffsetCommit("g", "", null, -1)).as("non-member commit to an active group")
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        // during the join phase a member may still commit; between JoinGroup and SyncGroup it may not
        CompletableFuture<JoinResult> b = joinNew("g", "range");
        assertThat(coordinator.validateOffsetCommit("g", a, null, 1)).isEqualTo(Errors.NONE);
        coordinator.join(join("g", a, null, "range"));
        assertThat(b.join().generationId()).isEqualTo(2);
        assertThat(coordinator.validateOffsetCommit("g", a, null, 2)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void onlyEmptyGroupsCanBeDeleted() {
        String a = stableSingleMember("active");
        coordinator.validateOffsetCommit("idle", "", null, -1);

        Map<String, Errors> result = coordinator.deleteGroups(List.of("active", "idle", "missing"));

        assertThat(result).containsEntry("active", Errors.NON_EMPTY_GROUP).containsEntry("idle", Errors.NONE)
                .containsEntry("missing", Errors.GROUP_ID_NOT_FOUND);
        assertThat(coordinator.stateOf("idle")).isNull();
        assertThat(coordinator.describe("idle").state()).isEqualTo(GroupState.DEAD);
        assertThat(coordinator.heartbeat("active", a, null, 1)).isEqualTo(Errors.NONE);
    }

    @Test
    void leaveGroupRemovesMembersByIdOrInstanceIdAndEmptiesTheGroup() {
        // given a static member and a dynamic one in a stable group
        CompletableFuture<JoinResult> s = coordinator.join(join("g", "", "instance-1", "range"));
        CompletableFuture<JoinResult> d = joinNew("g", "range");
        timer.runDue();
        String staticId = s.join().memberId();
        String dynamicId = d.join().memberId();
        assertThat(staticId).startsWith("instance-1-");

        // when both leave in one batch, one by instance id only, plus an unknown member
        GroupCoordinator.LeaveResult r = coordinator.leave("g", List.of(new Leaving("", "instance-1"),
                new Leaving(dynamicId, null), new Leaving("ghost", null)));

        // then
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.memberErrors()).containsExactly(Errors.NONE, Errors.NONE, Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.EMPTY);
        assertThat(coordinator.describe("g").members()).isEmpty();
        assertThat(coordinator.leave("nope", List.of(new Leaving("x", null))).memberErrors())
                .containsExactly(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void restartedStaticMemberTakesOverWithoutRebalanceAndTheOldInstanceIsFenced() {
        // given a stable group of a static member
        CompletableFuture<JoinResult> first = coordinator.join(join("g", "", "i1", "range"));
        timer.runDue();
        JoinResult r = first.join();
        assertThat(r.error()).isEqualTo(Errors.NONE);
        coordinator.sync("g", r.generationId(), r.memberId(), "i1", null, null, Map.of(r.memberId(), bytes("a"))).join();
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.STABLE);
        int rebalancesBefore = rebalances.get();

        // when the instance restarts and joins without its member id
        JoinResult again = coordinator.join(join("g", "", "i1", "range")).join();

        // then it gets a new id in the same generation with no rebalance, and the old id is fenced
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.memberId()).isNotEqualTo(r.memberId());
        assertThat(again.generationId()).isEqualTo(r.generationId());
        assertThat(again.skipAssignment()).as("leader told to skip the assignment").isTrue();
        assertThat(rebalances.get()).isEqualTo(rebalancesBefore);
        assertThat(coordinator.heartbeat("g", r.memberId(), "i1", r.generationId())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        SyncResult sync = coordinator.sync("g", again.generationId(), again.memberId(), "i1", null, null, Map.of()).join();
        assertThat(new String(sync.assignment(), StandardCharsets.UTF_8)).as("assignment kept").isEqualTo("a");
    }

    @Test
    void staticMemberThatIsSlowToRejoinKeepsItsPlaceInTheNextGeneration() {
        // given a stable group of a static member s (leader) and a dynamic member d
        CompletableFuture<JoinResult> sJoin = coordinator.join(join("g", "", "s", "range"));
        CompletableFuture<JoinResult> dJoin = joinNew("g", "range");
        timer.runDue();
        String s = sJoin.join().memberId();
        String d = dJoin.join().memberId();
        coordinator.sync("g", 1, s, "s", null, null, Map.of(s, bytes("a"), d, bytes("b")));
        coordinator.sync("g", 1, d, null, null, null, Map.of());

        // when a third member joins, d rejoins, and s keeps heartbeating but does not rejoin in time
        CompletableFuture<JoinResult> eJoin = joinNew("g", "range");
        CompletableFuture<JoinResult> dRejoin = coordinator.join(join("g", d, null, "range"));
        for (int t = 0; t < REBALANCE_MS; t += SESSION_MS / 2) {
            assertThat(eJoin).isNotDone();
            coordinator.heartbeat("g", s, "s", 1);
            timer.advance(SESSION_MS / 2);
        }

        // then generation 2 still has s, and is led by the earliest member that rejoined
        JoinResult e = eJoin.join();
        JoinResult leader = dRejoin.join();
        assertThat(e.generationId()).isEqualTo(2);
        assertThat(e.leaderId()).as("leader of generation 2 (s did not rejoin)").isEqualTo(d);
        assertThat(leader.members()).extracting(GroupCoordinator.JoinedMember::memberId)
                .containsExactlyInAnyOrder(s, d, e.memberId());
        assertThat(coordinator.heartbeat("g", s, "s", 1)).as("s, still at generation 1").isEqualTo(Errors.ILLEGAL_GENERATION);
    }

    @Test
    void staticMemberThatStopsHeartbeatingIsExpiredLikeAnyOther() {
        CompletableFuture<JoinResult> s = coordinator.join(join("g", "", "i1", "range"));
        timer.runDue();
        JoinResult r = s.join();
        coordinator.sync("g", 1, r.memberId(), "i1", null, null, Map.of());
        timer.advance(SESSION_MS);
        assertThat(coordinator.stateOf("g")).isEqualTo(GroupState.EMPTY);
        assertThat(coordinator.heartbeat("g", r.memberId(), "i1", 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void retriedJoinGroupAnswersTheEarlierOneSoNoConnectionWaitsForever() {
        // given a stable member and a second one whose JoinGroup waits for the rebalance
        String a = stableSingleMember("g");
        String b = memberIdRequired("g");
        CompletableFuture<JoinResult> bJoin = coordinator.join(join("g", b, null, "range"));

        // when the second sends JoinGroup again (its client timed out and retried)
        CompletableFuture<JoinResult> bRetry = coordinator.join(join("g", b, null, "range"));

        // then the earlier request is answered at once, and the retry completes with the rebalance
        assertThat(bJoin).isDone();
        assertThat(bJoin.join().error()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        coordinator.join(join("g", a, null, "range"));
        assertThat(bRetry.join().generationId()).isEqualTo(2);
    }

    @Test
    void emptyGroupsWithoutCommittedOffsetsAreForgottenBySweep() {
        coordinator.validateOffsetCommit("kept", "", null, -1);
        groupsWithOffsets.add("kept");
        String a = stableSingleMember("gone");
        coordinator.leave("gone", List.of(new Leaving(a, null)));
        assertThat(coordinator.stateOf("gone")).isEqualTo(GroupState.EMPTY);

        timer.advance(GroupCoordinator.EMPTY_GROUP_SWEEP_INTERVAL_MS);

        assertThat(coordinator.stateOf("gone")).isNull();
        assertThat(coordinator.stateOf("kept")).isEqualTo(GroupState.EMPTY);
    }
}
