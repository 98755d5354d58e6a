package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups with the real Kafka Java client (classic protocol) against the server: rebalances,
 * committed offsets across a restart, session expiry, commits from consumers outside group management,
 * and the AdminClient's group operations.
 */
class ConsumerGroupTest {
    /** No initial rebalance delay, and short session timeouts allowed, so that tests do not wait. */
    static final GroupCoordinatorConfig GROUPS = GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(0)
            .withSessionTimeoutRange(500, 60_000);

    @TempDir
    Path dir;
    LogManager log;
    KafkaServer server;

    @BeforeEach
    void start() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withGroups(GROUPS), log);
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    void restart() {
        server.close();
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withGroups(GROUPS), log);
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    Properties consumerProps(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "100");
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "20000");
        return p;
    }

    KafkaConsumer<String, String> consumer(Properties p) {
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    /** Sends records {@code from} until {@code to} (exclusive): record i goes to partition i % partitions. */
    void produce(String topic, int partitions, int from, int to) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    /**
     * A group member polling in its own thread. It records every record it processes and commits what it
     * processed synchronously when partitions are revoked (and so on close).
     */
    final class Member {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final Map<TopicPartition, Long> next = new HashMap<>();
        final AtomicInteger processed = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile Set<TopicPartition> assignment = Set.of();
        volatile boolean stop;
        final Thread thread;

        Member(String name, Properties props, String topic, Processed sink) {
            this.name = name;
            this.consumer = consumer(props);
            this.thread = new Thread(() -> run(topic, sink), "member-" + name);
            thread.start();
        }

        private void run(String topic, Processed sink) {
            try {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                        for (TopicPartition tp : partitions) {
                            Long n = next.remove(tp);
                            if (n != null) {
                                commit.put(tp, new OffsetAndMetadata(n));
                            }
                        }
                        if (!commit.isEmpty()) {
                            consumer.commitSync(commit);
                        }
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> partitions) {
                        partitions.forEach(next::remove);
                    }
                });
                while (!stop) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                        sink.accept(name, r);
                        next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                        processed.incrementAndGet();
                    }
                    assignment = Set.copyOf(consumer.assignment());
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                try {
                    consumer.close(Duration.ofSeconds(10));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        }

        void close() throws InterruptedException {
            stop = true;
            thread.join(30_000);
            assertThat(thread.isAlive()).as("member %s still running", name).isFalse();
            assertThat(failure.get()).as("failure of member %s", name).isNull();
        }
    }

    interface Processed {
        void accept(String member, ConsumerRecord<String, String> record);
    }

    /** Every processed record of each partition, in processing order. */
    static final class Ledger implements Processed {
        final Map<Integer, List<ConsumerRecord<String, String>>> byPartition = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();

        @Override
        public void accept(String member, ConsumerRecord<String, String> r) {
            List<ConsumerRecord<String, String>> list = byPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>());
            synchronized (list) {
                list.add(r);
            }
            total.incrementAndGet();
        }
    }

    static boolean disjointCover(List<Member> members, int partitions) {
        Set<TopicPartition> union = new HashSet<>();
        int sum = 0;
        for (Member m : members) {
            if (m.assignment.isEmpty()) {
                return false;
            }
            union.addAll(m.assignment);
            sum += m.assignment.size();
        }
        return union.size() == partitions && sum == partitions;
    }

    @Test
    void twoMembersReadEveryRecordOnceInOrderAndAThirdJoinsWithoutLossOrDuplicates() throws Exception {
        // the client's default assignors (range first, so the group picks range: eager rebalances)
        readEveryRecordOnceWhileAThirdMemberJoins("events", 100_000, null, "range");
    }

    @Test
    void cooperativeRebalanceMovesPartitionsToAThirdMemberWithoutLossOrDuplicates() throws Exception {
        readEveryRecordOnceWhileAThirdMemberJoins("events-coop", 20_000,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky");
    }

    /**
     * Two members read the first half of {@code n} records of a 4-partition topic; a third joins; the
     * second half is produced; every record must be processed exactly once, in order per partition.
     */
    void readEveryRecordOnceWhileAThirdMemberJoins(String topic, int n, String assignor, String expectedProtocol)
            throws Exception {
        // given 4 partitions holding the first half of the records
        int partitions = 4;
        String group = topic + "-readers";
        log.createTopic(topic, partitions, Map.of());
        produce(topic, partitions, 0, n / 2);
        long rebalancesBefore = server.metrics().meter("sluice.server.group-rebalances").getCount();
        Properties props = consumerProps(group);
        if (assignor != null) {
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
        }

        // when two members of one group read them
        Ledger ledger = new Ledger();
        Member a = new Member("a", props, topic, ledger);
        Member b = new Member("b", props, topic, ledger);
        await().atMost(Duration.ofSeconds(60)).until(() -> ledger.total.get() >= n / 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> disjointCover(List.of(a, b), partitions));
        int readByTwo = ledger.total.get();

        // and a third joins, the group rebalances, and the rest is produced
        Member c = new Member("c", props, topic, ledger);
        await().atMost(Duration.ofSeconds(30)).until(() -> disjointCover(List.of(a, b, c), partitions));
        try (Admin admin = admin()) {
            assertThat(admin.describeConsumerGroups(List.of(group)).all().get().get(group).partitionAssignor())
                    .as("protocol chosen for the group").isEqualTo(expectedProtocol);
        }
        produce(topic, partitions, n / 2, n);
        await().atMost(Duration.ofSeconds(60)).until(() -> ledger.total.get() >= n);
        a.close();
        b.close();
        c.close();

        // then the two read the first half exactly once, and all three every record exactly once, in order
        assertThat(readByTwo).as("records read by the first two members").isEqualTo(n / 2);
        assertThat(ledger.total.get()).as("records processed in all").isEqualTo(n);
        for (int p = 0; p < partitions; p++) {
            List<ConsumerRecord<String, String>> records = ledger.byPartition.get(p);
            assertThat(records).as("records of partition %d", p).hasSize(n / partitions);
            for (int j = 0; j < records.size(); j++) {
                ConsumerRecord<String, String> r = records.get(j);
                assertThat(r.offset()).as("offset of record %d of partition %d", j, p).isEqualTo(j);
                assertThat(r.value()).as("value at offset %d of partition %d", j, p).isEqualTo("v" + (j * partitions + p));
            }
        }
        assertThat(c.processed.get()).as("records the third member processed").isPositive();
        assertThat(server.metrics().meter("sluice.server.group-rebalances").getCount() - rebalancesBefore)
                .as("group rebalances counted").isGreaterThanOrEqualTo(2);
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            for (int p = 0; p < partitions; p++) {
                assertThat(committed.get(new TopicPartition(topic, p)).offset()).as("committed offset of %s-%d", topic, p)
                        .isEqualTo(n / partitions);
            }
        }
    }

    @Test
    void committedOffsetsSurviveARestartAndANewConsumerResumesFromThem() throws Exception {
        // given a group that committed offsets 3 and 7 of a two-partition topic
        log.createTopic("orders", 2, Map.of());
        produce("orders", 2, 0, 20);
        TopicPartition p0 = new TopicPartition("orders", 0);
        TopicPartition p1 = new TopicPartition("orders", 1);
        try (KafkaConsumer<String, String> c = consumer(consumerProps("billing"))) {
            c.subscribe(List.of("orders"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(100));
                return c.assignment().size() == 2;
            });
            c.commitSync(Map.of(p0, new OffsetAndMetadata(3, "three"), p1, new OffsetAndMetadata(7)));
        }

        // when the server and the log restart
        restart();

        // then OffsetFetch returns them, the internal topic is listed as internal, and a consumer resumes there
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("billing")
                    .partitionsToOffsetAndMetadata().get();
            assertThat(committed).containsEntry(p0, new OffsetAndMetadata(3, "three"))
                    .containsEntry(p1, new OffsetAndMetadata(7, ""));
            assertThat(admin.listTopics().names().get()).as("topics listed without internal ones")
                    .doesNotContain(OffsetStore.TOPIC);
            assertThat(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get()).contains(OffsetStore.TOPIC);
            TopicDescription internal = admin.describeTopics(List.of(OffsetStore.TOPIC)).allTopicNames().get()
                    .get(OffsetStore.TOPIC);
            assertThat(internal.isInternal()).as("%s is internal", OffsetStore.TOPIC).isTrue();
            assertThat(admin.listConsumerGroups().all().get()).extracting(ConsumerGroupListing::groupId).contains("billing");
        }
        assertThat(log.topic(OffsetStore.TOPIC).orElseThrow().config().compact()).isTrue();
        Map<Integer, Long> firstOffset = new HashMap<>();
        try (KafkaConsumer<String, String> c = consumer(consumerProps("billing"))) {
            c.subscribe(List.of("orders"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    firstOffset.putIfAbsent(r.partition(), r.offset());
                }
                return firstOffset.size() == 2;
            });
        }
        assertThat(firstOffset).as("first offset read per partition after the restart").isEqualTo(Map.of(0, 3L, 1, 7L));
    }

    @Test
    void staticMemberThatStopsHeartbeatingIsExpiredAfterTheSessionTimeoutAndItsPartitionsMove() throws Exception {
        // given a group of a static member (it sends no LeaveGroup when it closes) and a dynamic one
        log.createTopic("tasks", 2, Map.of());
        Properties staticProps = consumerProps("workers");
        staticProps.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "worker-1");
        staticProps.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "3000");
        KafkaConsumer<String, String> quitter = consumer(staticProps);
        KafkaConsumer<String, String> survivor = consumer(consumerProps("workers"));
        quitter.subscribe(List.of("tasks"));
        survivor.subscribe(List.of("tasks"));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                quitter.poll(Duration.ofMillis(50));
                survivor.poll(Duration.ofMillis(50));
                return quitter.assignment().size() == 1 && survivor.assignment().size() == 1
                        && !quitter.assignment().equals(survivor.assignment());
            });
            TopicPartition moving = quitter.assignment().iterator().next();

            // when the static member stops (no heartbeat, no LeaveGroup)
            quitter.close();
            try (Admin admin = admin()) {
                ConsumerGroupDescription right = admin.describeConsumerGroups(List.of("workers")).all().get().get("workers");
                assertThat(right.members()).as("members right after the static member stopped").hasSize(2);
            }

            // then its session expires, the group rebalances and its partition moves to the survivor
            produce("tasks", 2, 0, 10);
            Set<Integer> seen = new HashSet<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                survivor.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.partition()));
                return survivor.assignment().size() == 2 && seen.contains(moving.partition());
            });
            try (Admin admin = admin()) {
                ConsumerGroupDescription after = admin.describeConsumerGroups(List.of("workers")).all().get().get("workers");
                assertThat(after.members()).as("members after the session timeout").hasSize(1);
                assertThat(after.state()).isEqualTo(ConsumerGroupState.STABLE);
            }
        } finally {
            survivor.close();
        }
    }

    @Test
    void consumerAssigningPartitionsItselfCommitsWithoutJoiningAndANewConsumerReadsFromThere() throws Exception {
        // given a topic, and a consumer with a group id that assigns the partition itself (as Beam's KafkaIO)
        log.createTopic("feed", 1, Map.of());
        produce("feed", 1, 0, 10);
        TopicPartition tp = new TopicPartition("feed", 0);
        try (KafkaConsumer<String, String> reader = consumer(consumerProps("beam"))) {
            reader.assign(List.of(tp));
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(read::add);
                return read.size() == 10;
            });

            // when it commits offset 6 (generation -1, no member id)
            reader.commitSync(Map.of(tp, new OffsetAndMetadata(6, "checkpoint-1")));
            assertThat(reader.committed(Set.of(tp))).containsEntry(tp, new OffsetAndMetadata(6, "checkpoint-1"));
        }

        // then a new consumer of that group starts at 6
        try (KafkaConsumer<String, String> next = consumer(consumerProps("beam"))) {
            next.assign(List.of(tp));
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                next.poll(Duration.ofMillis(100)).forEach(read::add);
                return !read.isEmpty();
            });
            assertThat(read.get(0).offset()).as("first offset read by the new consumer").isEqualTo(6);
            assertThat(read.get(0).value()).isEqualTo("v6");
        }
        try (Admin admin = admin()) {
            ConsumerGroupDescription beam = admin.describeConsumerGroups(List.of("beam")).all().get().get("beam");
            assertThat(beam.state()).isEqualTo(ConsumerGroupState.EMPTY);
            assertThat(beam.members()).isEmpty();
        }
    }

    @Test
    void commitFromOutsideAGroupThatHasMembersIsRefused() throws Exception {
        // given a group with an active member
        log.createTopic("shared", 1, Map.of());
        TopicPartition tp = new TopicPartition("shared", 0);
        try (KafkaConsumer<String, String> member = consumer(consumerProps("owned"));
             KafkaConsumer<String, String> outsider = consumer(consumerProps("owned"))) {
            member.subscribe(List.of("shared"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                member.poll(Duration.ofMillis(50));
                return member.assignment().size() == 1;
            });

            // when a consumer outside group management commits for the same group
            outsider.assign(List.of(tp));

            // then the commit fails (UNKNOWN_MEMBER_ID), and the member's own commit works
            assertThatThrownBy(() -> outsider.commitSync(Map.of(tp, new OffsetAndMetadata(0))))
                    .isInstanceOf(CommitFailedException.class);
            member.commitSync(Map.of(tp, new OffsetAndMetadata(0)));
        }
    }

    @Test
    void adminClientListsDescribesFetchesOffsetsOfAndDeletesGroups() throws Exception {
        // given an active group that has committed offsets
        log.createTopic("audit", 2, Map.of());
        produce("audit", 2, 0, 4);
        KafkaConsumer<String, String> c = consumer(consumerProps("auditors"));
        c.subscribe(List.of("audit"));
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            c.poll(Duration.ofMillis(100)).forEach(read::add);
            return read.size() == 4;
        });
        c.commitSync();
        try (Admin admin = admin()) {
            // when the AdminClient looks at it while it is active
            ConsumerGroupListing listed = admin.listConsumerGroups().all().get().stream()
                    .filter(g -> g.groupId().equals("auditors")).findFirst().orElseThrow();
            ConsumerGroupDescription described = admin.describeConsumerGroups(List.of("auditors")).all().get().get("auditors");

            // then it sees it stable with its member and assignment, and cannot delete it
            assertThat(listed.state()).contains(ConsumerGroupState.STABLE);
            assertThat(described.state()).isEqualTo(ConsumerGroupState.STABLE);
            assertThat(described.partitionAssignor()).isEqualTo("range");
            assertThat(described.coordinator().id()).isEqualTo(0);
            assertThat(described.members()).hasSize(1);
            assertThat(described.members().iterator().next().assignment().topicPartitions())
                    .containsExactlyInAnyOrder(new TopicPartition("audit", 0), new TopicPartition("audit", 1));
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("auditors")).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupNotEmptyException.class);

            // when the member leaves
            c.close();

            // then the group is empty with its offsets, and can be deleted with them
            assertThat(admin.describeConsumerGroups(List.of("auditors")).all().get().get("auditors").state())
                    .isEqualTo(ConsumerGroupState.EMPTY);
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("auditors")
                    .partitionsToOffsetAndMetadata().get();
            assertThat(offsets).hasSize(2);
            offsets.forEach((tp, o) -> assertThat(o.offset()).as("committed offset of %s", tp).isEqualTo(2));
            admin.deleteConsumerGroups(List.of("auditors")).all().get();
            assertThat(admin.listConsumerGroups().all().get()).extracting(ConsumerGroupListing::groupId)
                    .doesNotContain("auditors");
            assertThat(admin.listConsumerGroupOffsets("auditors").partitionsToOffsetAndMetadata().get()).isEmpty();
        }
    }
}
