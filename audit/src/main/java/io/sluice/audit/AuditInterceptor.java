package io.sluice.audit;

import java.net.InetAddress;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The producer tier for any Java producer, enabled by configuration alone:
 * {@code interceptor.classes=io.sluice.audit.AuditInterceptor}. It counts every record the log acknowledged
 * (with an offset: nothing under {@code acks=0}), in the bucket of the timestamp the acknowledgement carries,
 * on every topic except the audit topic and internal ({@code _}-prefixed) ones. An interceptor never sees
 * serialized bytes (kafka-clients 3.9), so it counts without digests; {@link AuditingProducer}, a
 * {@code Producer} that serializes itself, digests as well (and refuses this interceptor, which would count
 * its records twice).
 */
public final class AuditInterceptor implements ProducerInterceptor<Object, Object> {
    private AuditCounter counter;
    private AuditPublisher publisher;
    private final InFlight inFlight = new InFlight();
    private String auditTopic;

    @Override
    public void configure(Map<String, ?> configs) {
        AuditConfig config = AuditConfig.from(configs);
        auditTopic = config.topic();
        counter = new AuditCounter(Tier.PRODUCER, config.buckets());
        Object clientId = configs.get("client.id");
        publisher = new AuditPublisher(counter, instanceId(clientId == null ? "producer" : clientId.toString()), false, config,
                inFlight);
    }

    static String instanceId(String clientId) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        // a restarted producer is a new instance: it counts only what it sends itself
        return "producer/" + host + "/" + (clientId.isEmpty() ? "producer" : clientId) + "/" + UUID.randomUUID();
    }

    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
        inFlight.sent();
        return record;
    }

    /** Called once per record sent, acknowledged or failed, as KafkaProducer does with its interceptors. */
    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        try {
            if (exception == null && metadata != null && metadata.hasOffset() && !metadata.topic().startsWith("_")
                    && !metadata.topic().equals(auditTopic)) {
                counter.acknowledged(metadata.topic(), metadata.partition(), metadata.offset(), metadata.timestamp(), 0,
                        System.currentTimeMillis());
            }
        } finally {
            inFlight.settled(); // after counting: idle then means every acknowledged record is counted
        }
    }

    AuditCounter counter() {
        return counter;
    }

    @Override
    public void close() {
        if (publisher != null) {
            publisher.close();
        }
    }
}
