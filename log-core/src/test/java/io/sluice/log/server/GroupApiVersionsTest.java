package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version kafka-clients 3.9 knows of each group API, sent byte-exact over a socket: old clients
 * (and other languages' clients) use versions the Java client no longer picks.
 */
class GroupApiVersionsTest {
    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;
    KafkaWire wire;

    @BeforeEach
    void start() throws Exception {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withGroups(ConsumerGroupTest.GROUPS), log);
        log.createTopic("t", 2, Map.of());
        wire = new KafkaWire(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        wire.close();
        server.close();
        log.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findCoordinatorNamesThisBrokerForGroupsAtEveryVersionAndRefusesTransactions() throws Exception {
        for (short v = ApiKeys.FIND_COORDINATOR.oldestVersion(); v <= ApiKeys.FIND_COORDINATOR.latestVersion(); v++) {
            FindCoordinatorRequestData data = v >= 4
                    ? new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("g1", "g2"))
                    : new FindCoordinatorRequestData().setKey("g1");
            FindCoordinatorResponse r = wire.send(new FindCoordinatorRequest.Builder(data).build(v));
            if (v >= 4) {
                assertThat(r.data().coordinators()).as("coordinators at v%d", v).hasSize(2).allSatisfy(c -> {
                    assertThat(c.errorCode()).isEqualTo(Errors.NONE.code());
                    assertThat(c.nodeId()).isEqualTo(0);
                    assertThat(c.port()).isEqualTo(server.port());
                });
            } else {
                assertThat(r.error()).as("error at v%d", v).isEqualTo(Errors.NONE);
                assertThat(r.data().nodeId()).isEqualTo(0);
                assertThat(r.data().host()).isEqualTo("127.0.0.1");
                assertThat(r.data().port()).as("port at v%d", v).isEqualTo(server.port());
            }
            if (v >= 1) {
                FindCoordinatorRequestData txn = v >= 4
                        ? new FindCoordinatorRequestData().setKeyType((byte) 1).setCoordinatorKeys(List.of("tx"))
                        : new FindCoordinatorRequestData().setKeyType((byte) 1).setKey("tx");
                FindCoordinatorResponse t = wire.send(new FindCoordinatorRequest.Builder(txn).build(v));
                Errors e = v >= 4 ? Errors.forCode(t.data().coordinators().get(0).errorCode()) : t.error();
                assertThat(e).as("transaction coordinator at v%d", v).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
            }
        }
    }

    @Test
    void memberJoinsSyncsHeartbeatsIsDescribedAndLeavesAtEveryVersion() throws Exception {
        for (short v = ApiKeys.JOIN_GROUP.oldestVersion(); v <= ApiKeys.JOIN_GROUP.latestVersion(); v++) {
            String group = "join-v" + v;
            String instance = v >= 5 && v % 2 == 1 ? "instance-" + v : null;
            JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                    new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(bytes("sub")));
            JoinGroupRequestData join = new JoinGroupRequestData().setGroupId(group).setMemberId("")
                    .setSessionTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols);
            if (v >= 1) {
                join.setRebalanceTimeoutMs(10_000);
            }
            if (instance != null) {
                join.setGroupInstanceId(instance);
            }

            // JoinGroup, with the member-id round trip from v4 for dynamic members
            JoinGroupResponse joined = wire.send(new JoinGroupRequest(join, v));
            if (v >= 4 && instance == null) {
                assertThat(joined.error()).as("first JoinGroup at v%d", v).isEqualTo(Errors.MEMBER_ID_REQUIRED);
                joined = wire.send(new JoinGroupRequest(join.duplicate().setMemberId(joined.data().memberId()), v));
            }
            assertThat(joined.error()).as("JoinGroup at v%d", v).isEqualTo(Errors.NONE);
            String memberId = joined.data().memberId();
            assertThat(joined.data().generationId()).isEqualTo(1);
            assertThat(joined.data().leader()).as("leader at v%d", v).isEqualTo(memberId);
            assertThat(joined.data().protocolName()).isEqualTo("range");
            assertThat(joined.data().members()).hasSize(1);
            assertThat(joined.data().members().get(0).metadata()).isEqualTo(bytes("sub"));
            if (v >= 5) {
                assertThat(joined.data().members().get(0).groupInstanceId()).isEqualTo(instance);
            }
            if (v >= 7) {
                assertThat(joined.data().protocolType()).isEqualTo("consumer");
            }

            // SyncGroup
            short sv = (short) Math.min(v, ApiKeys.SYNC_GROUP.latestVersion());
            SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId(group).setGenerationId(1).setMemberId(memberId)
                    .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId)
                            .setAssignment(bytes("assignment-" + v))));
            if (sv >= 3) {
                sync.setGroupInstanceId(instance);
            }
            if (sv >= 5) {
                sync.setProtocolType("consumer").setProtocolName("range");
            }
            SyncGroupResponse synced = wire.send(new SyncGroupRequest.Builder(sync).build(sv));
            assertThat(synced.error()).as("SyncGroup at v%d", sv).isEqualTo(Errors.NONE);
            assertThat(synced.data().assignment()).isEqualTo(bytes("assignment-" + v));
            if (sv >= 5) {
                assertThat(synced.data().protocolName()).isEqualTo("range");
            }

            // Heartbeat
            short hv = (short) Math.min(v, ApiKeys.HEARTBEAT.latestVersion());
            HeartbeatRequestData hb = new HeartbeatRequestData().setGroupId(group).setGenerationId(1).setMemberId(memberId);
            if (hv >= 3) {
                hb.setGroupInstanceId(instance);
            }
            HeartbeatResponse beat = wire.send(new HeartbeatRequest.Builder(hb).build(hv));
            assertThat(beat.error()).as("Heartbeat at v%d", hv).isEqualTo(Errors.NONE);

            // DescribeGroups
            short dv = (short) Math.min(v, ApiKeys.DESCRIBE_GROUPS.latestVersion());
            DescribeGroupsResponse described = wire.send(new DescribeGroupsRequest.Builder(
                    new DescribeGroupsRequestData().setGroups(List.of(group))).build(dv));
            DescribedGroup g = described.data().groups().get(0);
            assertThat(g.groupState()).as("state at DescribeGroups v%d", dv).isEqualTo("Stable");
            assertThat(g.protocolData()).isEqualTo("range");
            assertThat(g.members()).hasSize(1);
            assertThat(g.members().get(0).memberAssignment()).isEqualTo(bytes("assignment-" + v));
            assertThat(g.members().get(0).clientId()).isEqualTo("wire-test");
            if (dv >= 4) {
                assertThat(g.members().get(0).groupInstanceId()).isEqualTo(instance);
            }

            // LeaveGroup (static members by instance id alone)
            short lv = (short) Math.min(v, ApiKeys.LEAVE_GROUP.latestVersion());
            MemberIdentity leaving = instance != null && lv >= 3
                    ? new MemberIdentity().setMemberId("").setGroupInstanceId(instance)
                    : new MemberIdentity().setMemberId(memberId);
            LeaveGroupResponse left = wire.send(new LeaveGroupRequest.Builder(group, List.of(leaving)).build(lv));
            assertThat(left.error()).as("LeaveGroup at v%d", lv).isEqualTo(Errors.NONE);
            if (lv >= 3) {
                assertThat(left.memberResponses()).extracting(m -> Errors.forCode(m.errorCode())).containsExactly(Errors.NONE);
            }
            HeartbeatResponse after = wire.send(new HeartbeatRequest.Builder(hb).build(hv));
            assertThat(after.error()).as("Heartbeat after leaving at v%d", hv).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        }
    }

    @Test
    void offsetsAreCommittedAndFetchedAtEveryVersion() throws Exception {
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        for (short v = ApiKeys.OFFSET_COMMIT.oldestVersion(); v <= ApiKeys.OFFSET_COMMIT.latestVersion(); v++) {
            // given a commit outside group management of t-0, plus a partition of a topic that does not exist
            String group = "commit-v" + v;
            OffsetCommitRequestData.OffsetCommitRequestPartition p = new OffsetCommitRequestData.OffsetCommitRequestPartition()
                    .setPartitionIndex(0).setCommittedOffset(10 + v).setCommittedMetadata("m" + v);
            if (v >= 6) {
                p.setCommittedLeaderEpoch(5);
            }
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId(group).setTopics(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(p)),
                    new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("missing").setPartitions(List.of(
                            new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                    .setCommittedOffset(1)))));
            OffsetCommitResponse committed = wire.send(new OffsetCommitRequest(commit, v));
            assertThat(committed.data().topics()).as("OffsetCommit response at v%d", v).hasSize(2);
            if (v == 0) { // v0 stored offsets in ZooKeeper: Kafka 3.9 without ZooKeeper refuses it the same way
                assertThat(committed.data().topics()).flatExtracting(OffsetCommitResponseData.OffsetCommitResponseTopic::partitions)
                        .extracting(pr -> Errors.forCode(pr.errorCode())).containsOnly(Errors.UNSUPPORTED_VERSION);
                continue;
            }
            assertThat(committed.data().topics().get(0).partitions().get(0).errorCode()).as("t-0 at v%d", v)
                    .isEqualTo(Errors.NONE.code());
            assertThat(committed.data().topics().get(1).partitions().get(0).errorCode()).as("missing-0 at v%d", v)
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());

            // when fetched at the same version
            short fv = v;
            OffsetFetchRequest.Builder fetch = fv >= 8
                    ? new OffsetFetchRequest.Builder(Map.of(group, List.of(t0, t1)), false, false)
                    : new OffsetFetchRequest.Builder(group, false, List.of(t0, t1), false);
            OffsetFetchResponse fetched = wire.send(fetch.build(fv));

            // then t-0 has the commit and t-1 nothing
            Map<TopicPartition, OffsetFetchResponse.PartitionData> offsets = fetched.partitionDataMap(group);
            assertThat(offsets.get(t0).offset).as("offset of t-0 at OffsetFetch v%d", fv).isEqualTo(10 + v);
            assertThat(offsets.get(t0).metadata).isEqualTo("m" + v);
            assertThat(offsets.get(t0).leaderEpoch).as("leader epoch at v%d", fv).isEqualTo(
                    v >= 6 ? java.util.Optional.of(5) : java.util.Optional.empty());
            assertThat(offsets.get(t1).offset).as("offset of t-1 at v%d", fv).isEqualTo(-1);
            assertThat(offsets.get(t1).error).isEqualTo(Errors.NONE);
            if (fv >= 2) {
                OffsetFetchRequest.Builder all = fv >= 8
                        ? new OffsetFetchRequest.Builder(java.util.Collections.singletonMap(group, null), false, false)
                        : new OffsetFetchRequest.Builder(group, false, null, false);
                OffsetFetchResponse everything = wire.send(all.build(fv));
                assertThat(everything.partitionDataMap(group)).as("all offsets of the group at v%d", fv).containsOnlyKeys(t0);
            }
        }
    }

    @Test
    void groupsAreListedFilteredDescribedAndDeletedAtEveryVersion() throws Exception {
        // given two groups with offsets only (empty), one of them with a member
        commitOutsideGroup("idle");
        commitOutsideGroup("busy");
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(bytes("s")));
        JoinGroupResponse joined = wire.send(new JoinGroupRequest(new JoinGroupRequestData().setGroupId("busy")
                .setMemberId("").setGroupInstanceId("i").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000)
                .setProtocolType("consumer").setProtocols(protocols), ApiKeys.JOIN_GROUP.latestVersion()));
        assertThat(joined.error()).isEqualTo(Errors.NONE);

        for (short v = ApiKeys.LIST_GROUPS.oldestVersion(); v <= ApiKeys.LIST_GROUPS.latestVersion(); v++) {
            ListGroupsResponse all = wire.send(new ListGroupsRequest.Builder(new ListGroupsRequestData()).build(v));
            assertThat(all.data().groups()).extracting(ListedGroup::groupId).as("groups at ListGroups v%d", v)
                    .containsExactlyInAnyOrder("idle", "busy");
            if (v >= 4) {
                ListGroupsResponse empty = wire.send(new ListGroupsRequest.Builder(
                        new ListGroupsRequestData().setStatesFilter(List.of("Empty"))).build(v));
                assertThat(empty.data().groups()).extracting(ListedGroup::groupId).containsExactly("idle");
                assertThat(empty.data().groups().get(0).groupState()).isEqualTo("Empty");
            }
            if (v >= 5) {
                ListGroupsResponse consumerType = wire.send(new ListGroupsRequest.Builder(
                        new ListGroupsRequestData().setTypesFilter(List.of("consumer"))).build(v));
                assertThat(consumerType.data().groups()).as("groups of the new consumer protocol").isEmpty();
                ListGroupsResponse classic = wire.send(new ListGroupsRequest.Builder(
                        new ListGroupsRequestData().setTypesFilter(List.of("Classic"))).build(v));
                assertThat(classic.data().groups()).hasSize(2).allSatisfy(g -> assertThat(g.groupType()).isEqualTo("classic"));
            }
        }
        for (short v = ApiKeys.DESCRIBE_GROUPS.oldestVersion(); v <= ApiKeys.DESCRIBE_GROUPS.latestVersion(); v++) {
            DescribeGroupsResponse r = wire.send(new DescribeGroupsRequest.Builder(
                    new DescribeGroupsRequestData().setGroups(List.of("idle", "nobody"))).build(v));
            assertThat(r.data().groups()).extracting(DescribedGroup::groupState).as("states at DescribeGroups v%d", v)
                    .containsExactly("Empty", "Dead");
            assertThat(r.data().groups().get(0).protocolType()).isEmpty();
        }

        for (short v = ApiKeys.DELETE_GROUPS.oldestVersion(); v <= ApiKeys.DELETE_GROUPS.latestVersion(); v++) {
            String group = "del-v" + v;
            commitOutsideGroup(group);
            DeleteGroupsResponse r = wire.send(new DeleteGroupsRequest.Builder(
                    new DeleteGroupsRequestData().setGroupsNames(List.of(group, "busy", "never"))).build(v));
            assertThat(r.errors()).as("DeleteGroups at v%d", v).isEqualTo(Map.of(group, Errors.NONE,
                    "busy", Errors.NON_EMPTY_GROUP, "never", Errors.GROUP_ID_NOT_FOUND));
            OffsetFetchResponse gone = wire.send(new OffsetFetchRequest.Builder(group, false, null, false).build((short) 7));
            assertThat(gone.partitionDataMap(group)).as("offsets of deleted group %s", group).isEmpty();
        }
    }

    @Test
    void clientsCannotAppendToTheOffsetsTopic() throws Exception {
        // given the offsets topic holding one commit
        commitOutsideGroup("g");
        long before = log.partition(OffsetStore.TOPIC, 0).logEndOffset();

        // when a client produces to it
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(OffsetStore.TOPIC).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord(1L, bytes("k"), bytes("v")))))));
        ProduceResponse r = wire.send(ProduceRequest.forCurrentMagic(new ProduceRequestData().setAcks((short) 1)
                .setTimeoutMs(5_000).setTopicData(topics)).build());

        // then it is refused as Kafka refuses it, and nothing was written
        short error = r.data().responses().iterator().next().partitionResponses().get(0).errorCode();
        assertThat(Errors.forCode(error)).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        assertThat(log.partition(OffsetStore.TOPIC, 0).logEndOffset()).as("log end of the offsets topic").isEqualTo(before);
    }

    private void commitOutsideGroup(String group) throws Exception {
        OffsetCommitResponse r = wire.send(new OffsetCommitRequest(new OffsetCommitRequestData().setGroupId(group)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(1)
                                        .setCommittedOffset(3))))), ApiKeys.OFFSET_COMMIT.latestVersion()));
        assertThat(r.data().topics().get(0).partitions().get(0).errorCode()).as("commit of %s", group)
                .isEqualTo(Errors.NONE.code());
    }
}
