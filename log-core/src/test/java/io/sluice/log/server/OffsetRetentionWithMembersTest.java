package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a real consumer group and a short retention: a group with a member keeps its committed offsets however
 * old its last commit is; once the member leaves, the offsets are deleted a retention later (KIP-211).
 */
class OffsetRetentionWithMembersTest {
    static final long RETENTION_MS = 2_000;

    @TempDir
    Path dir;

    @Test
    void aGroupKeepsItsOffsetsWhileItHasAMemberAndLosesThemARetentionAfterItLeaves() throws Exception {
        GroupCoordinatorConfig groups = GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(0)
                .withOffsetsRetention(RETENTION_MS, 200);
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0).withGroups(groups), log)) {
            log.createTopic("t", 1, Map.of());
            String bootstrap = "127.0.0.1:" + server.port();
            TopicPartition tp = new TopicPartition("t", 0);
            Properties p = Clients.consumerProps(bootstrap);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "readers");
            Properties ap = new Properties();
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(ap)) {
                try (KafkaConsumer<String, String> member = Clients.consumer(p)) {
                    member.subscribe(List.of("t"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        member.poll(Duration.ofMillis(100));
                        return member.assignment().contains(tp);
                    });
                    member.commitSync(Map.of(tp, new OffsetAndMetadata(0)));
                    // stays a member, polling (heartbeats) without committing, for more than twice the retention
                    long until = System.nanoTime() + Duration.ofMillis(3 * RETENTION_MS).toNanos();
                    while (System.nanoTime() < until) {
                        member.poll(Duration.ofMillis(100));
                    }
                    assertThat(committed(admin)).as("offsets of a group with a member, last commit "
                            + 3 * RETENTION_MS + " ms old").containsKey(tp);
                }
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(committed(admin)).as("offsets once the group is empty").isEmpty());
            }
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata().get();
        m.values().removeIf(v -> v == null);
        return m;
    }
}
