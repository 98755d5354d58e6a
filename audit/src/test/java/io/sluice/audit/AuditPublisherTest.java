package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuditPublisherTest {
    private final MockProducer<byte[], byte[]> sent = new MockProducer<>(true, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final AuditCounter counter = new AuditCounter(Tier.PRODUCER, new Buckets(Buckets.DEFAULT));
    private final InFlight inFlight = new InFlight();
    private final AuditPublisher publisher = new AuditPublisher(counter, "producer/h/c/1", true,
            AuditConfig.from(Map.of("bootstrap.servers", "127.0.0.1:1")), sent, 0, false, inFlight);

    @AfterEach
    void close() {
        publisher.close();
    }

    private void acknowledged(int offset, long timestamp) {
        counter.record("clicks", timestamp, offset, timestamp + 5);
        counter.advanced("clicks", 0, offset, timestamp);
        inFlight.settled();
    }

    @Test
    void closingWhileTheBrokerCannotBeReachedReturnsWithinSecondsNotKafkasMinute() {
        // a real producer towards a port nothing listens on: metadata never arrives
        AuditCounter c = new AuditCounter(Tier.LOG, new Buckets(Buckets.DEFAULT));
        AuditPublisher unreachable = new AuditPublisher(c, "log/unreachable/0", true,
                AuditConfig.from(Map.of("bootstrap.servers", "127.0.0.1:1")));
        c.record("clicks", 1_000, 1, 1_005);

        java.util.concurrent.CompletableFuture<Void> closed = java.util.concurrent.CompletableFuture.runAsync(unreachable::close);

        // the send blocks at most max.block.ms (5 s) and the close waits at most 5 s: never Kafka's 60 s + 120 s
        assertThat(closed).as("close with the broker unreachable").succeedsWithin(java.time.Duration.ofSeconds(30));
    }

    @Test
    void aProducerWithARecordInFlightIsNotCaughtUp() {
        inFlight.sent();
        inFlight.sent();
        acknowledged(0, 1_000);

        AuditMessage m = publisher.publish(false);

        assertThat(m.progress()).singleElement().satisfies(p -> {
            assertThat(p.highestOffset()).isZero();
            assertThat(p.caughtUpAt()).isEqualTo(AuditMessage.PartitionProgress.NEVER);
        });
    }

    @Test
    void aProducerWithNothingInFlightIsCaughtUpAsOfThePublish() {
        inFlight.sent();
        acknowledged(0, 1_000);
        long before = System.currentTimeMillis();

        AuditMessage m = publisher.publish(false);

        assertThat(m.progress()).singleElement().satisfies(p ->
                assertThat(p.caughtUpAt()).isBetween(before, System.currentTimeMillis()));
        assertThat(counter.progress().get(new TopicPartition("clicks", 0)).caughtUpAt()).isGreaterThanOrEqualTo(before);
    }

    @Test
    void progressAloneIsPublishedAndNothingNewIsNot() throws Exception {
        inFlight.sent();
        acknowledged(0, 1_000);
        assertThat(publisher.publish(false)).isNotNull();

        // nothing counted since, but the producer is still idle a moment later: its caught-up time moves on
        Thread.sleep(2);
        AuditMessage heartbeat = publisher.publish(false);
        assertThat(heartbeat).isNotNull();
        assertThat(heartbeat.buckets()).isEmpty();
        assertThat(heartbeat.progress()).singleElement().satisfies(p -> assertThat(p.caughtUpAt()).isPositive());

        // a counter with neither new counts nor new progress sends nothing
        AuditCounter still = new AuditCounter(Tier.LOG, new Buckets(Buckets.DEFAULT));
        MockProducer<byte[], byte[]> quietSent = new MockProducer<>(true, new ByteArraySerializer(),
                new ByteArraySerializer());
        try (AuditPublisher quiet = new AuditPublisher(still, "log/c/0", true,
                AuditConfig.from(Map.of("bootstrap.servers", "127.0.0.1:1")), quietSent, 0, false)) {
            still.record("clicks", 1_000, 1, 1_005);
            assertThat(quiet.publish(false)).isNotNull();
            assertThat(quiet.publish(false)).isNull();
            assertThat(quietSent.history()).hasSize(1);
        }
        assertThat(sent.history()).hasSize(2);
    }
}
