package io.sluice.pipeline;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * log-core with its Kafka-protocol server in this JVM on a free port of 127.0.0.1, for pipelines that
 * read from it through KafkaIO exactly as they would from a Kafka cluster.
 */
final class LogCoreBroker implements AutoCloseable {
    /** One record as the producer wrote it and the server acknowledged it. */
    record Produced(String topic, int partition, long offset, long timestamp, String key, String value) {
        /** The same text {@link #describe} gives for the record read back. */
        String description() {
            return describe(topic, partition, offset, "CreateTime", timestamp, key, value);
        }
    }

    static String describe(String topic, int partition, long offset, String timestampType, long timestamp,
                           String key, String value) {
        return topic + "-" + partition + "@" + offset + " " + timestampType + "=" + timestamp + " " + key + "=" + value;
    }

    private final LogManager log;
    private final KafkaServer server;

    private LogCoreBroker(LogManager log, KafkaServer server) {
        this.log = log;
        this.server = server;
    }

    static LogCoreBroker start(Path dataDir) {
        LogManager log = LogManager.open(LogManagerConfig.defaults(dataDir));
        try {
            return new LogCoreBroker(log, KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log));
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    LogManager log() {
        return log;
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions and writes {@code n} records with an
     * idempotent, acks=all producer: record i goes to partition i % partitions with key "k<i>", value
     * "v<i>" and create time {@code baseTimestamp + i * 10}, so timestamps rise with offsets in every
     * partition.
     */
    List<Produced> createAndProduce(String topic, int partitions, int n, long baseTimestamp) throws Exception {
        log.createTopic(topic, partitions, Map.of());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        List<ProducerRecord<String, String>> records = new ArrayList<>(n);
        List<Future<RecordMetadata>> acks = new ArrayList<>(n);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<String, String> r =
                        new ProducerRecord<>(topic, i % partitions, baseTimestamp + i * 10L, "k" + i, "v" + i);
                records.add(r);
                acks.add(producer.send(r));
            }
            producer.flush();
        }
        List<Produced> produced = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RecordMetadata m = acks.get(i).get();
            ProducerRecord<String, String> r = records.get(i);
            produced.add(new Produced(topic, m.partition(), m.offset(), r.timestamp(), r.key(), r.value()));
        }
        return produced;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            log.close();
        }
    }
}
