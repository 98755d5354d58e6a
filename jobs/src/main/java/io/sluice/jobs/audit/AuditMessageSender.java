package io.sluice.jobs.audit;

import io.sluice.audit.AuditMessage;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends one audit message to the audit topic and returns once the log has acknowledged it, for one-shot tiers such
 * as the warehouse re-count ({@code sluice audit verify}, the quickstart), which have no {@code AuditPublisher}
 * running. Keyed by the instance id, as the publishers key theirs.
 */
public final class AuditMessageSender {
    private AuditMessageSender() {}

    /** @throws IllegalStateException naming the instance, topic and address if the log did not acknowledge it */
    public static void send(String bootstrapServers, String auditTopic, AuditMessage message) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(auditTopic, message.instanceId().getBytes(StandardCharsets.UTF_8),
                    message.encode())).get();
        } catch (ExecutionException | RuntimeException e) {
            throw new IllegalStateException("publishing the audit message of " + message.instanceId() + " to "
                    + auditTopic + " at " + bootstrapServers + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the audit message of "
                    + message.instanceId() + " to " + auditTopic, e);
        }
    }
}
