package io.sluice.pipeline;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.server.KafkaServer;
import io.sluice.log.server.KafkaServerConfig;
import io.sluice.registry.RegistryConfig;
import io.sluice.registry.SchemaRegistry;
import io.sluice.registry.client.AvroSerializer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.SchemaRegistryClient;
import io.sluice.sink.TableReader;
import io.sluice.sink.TableSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Everything an ingestion test runs against, in this JVM on free ports of 127.0.0.1: log-core with its Kafka-protocol
 * server, the schema registry storing into it, and a one-datanode MiniDFSCluster (its files under the test's
 * directory). One per test class: the cluster takes seconds to start.
 */
final class IngestEnvironment implements AutoCloseable {
    /** Hadoop settings the pipeline's table writers and the test's readers use. */
    static final Map<String, String> HADOOP = Map.of("dfs.replication", "1");

    final LogManager log;
    final KafkaServer kafka;
    final SchemaRegistry registry;
    final MiniDFSCluster hdfs;
    final SchemaRegistryClient registryClient;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerializer serializer;

    private IngestEnvironment(LogManager log, KafkaServer kafka, SchemaRegistry registry, MiniDFSCluster hdfs) {
        this.log = log;
        this.kafka = kafka;
        this.registry = registry;
        this.hdfs = hdfs;
        this.registryClient = new CachedSchemaRegistryClient(registryUrl());
        this.serializer = new AvroSerializer(registryClient);
        this.serializer.configure(Map.of("schema.registry.url", registryUrl()), false);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static IngestEnvironment start(Path dir) throws Exception {
        LogManager log = LogManager.open(LogManagerConfig.defaults(dir.resolve("log")));
        KafkaServer kafka = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log);
        SchemaRegistry registry = SchemaRegistry.start(new RegistryConfig("127.0.0.1", 0,
                "127.0.0.1:" + kafka.port()));
        Configuration conf = hadoopConf();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        return new IngestEnvironment(log, kafka, registry, hdfs);
    }

    static Configuration hadoopConf() {
        Configuration conf = new Configuration();
        HADOOP.forEach(conf::set);
        return conf;
    }

    String bootstrap() {
        return "127.0.0.1:" + kafka.port();
    }

    String registryUrl() {
        return "http://127.0.0.1:" + registry.port();
    }

    /** A path on the MiniDFSCluster as a full URI. */
    String hdfs(String path) {
        return "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + path;
    }

    /** The usual pipeline of the tests: these topics, tables under {@code warehouse}, commits every second. */
    SluiceIngest ingest(String warehouse, List<String> topics) {
        return SluiceIngest.create()
                .withBootstrapServers(bootstrap())
                .withTopics(topics)
                .withSchemaRegistryUrl(registryUrl())
                .withTables(TableResolver.underWarehouse(hdfs(warehouse), template(warehouse)))
                .withHadoopConfiguration(HADOOP);
    }

    TableSpec template(String warehouse) {
        return TableSpec.builder("template", hdfs(warehouse + "/template"))
                .commitInterval(java.time.Duration.ofSeconds(1))
                .build();
    }

    TableSpec table(String warehouse, String topic) {
        return TableResolver.underWarehouse(hdfs(warehouse), template(warehouse)).tableFor(topic);
    }

    TableReader reader(String warehouse, String topic) {
        return TableReader.open(table(warehouse, topic), hadoopConf());
    }

    void createTopic(String topic, int partitions) {
        log.createTopic(topic, partitions, Map.of());
    }

    /** One record as produced: where it landed. */
    record Sent(String topic, int partition, long offset, long timestamp) {
        String id() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** Sends each record (Confluent-framed, its schema registered under {@code <topic>-value}) with its timestamp. */
    List<Sent> produce(String topic, List<GenericRecord> records, List<Long> timestamps) throws Exception {
        return produce(topic, null, records, timestamps);
    }

    /** As {@link #produce(String, List, List)}, into one partition (null: spread by key). */
    List<Sent> produce(String topic, Integer partition, List<GenericRecord> records, List<Long> timestamps)
            throws Exception {
        List<byte[]> values = new ArrayList<>();
        for (GenericRecord r : records) {
            values.add(serializer.serialize(topic, r));
        }
        return produceRaw(topic, partition, values, timestamps);
    }

    /** Sends raw values (null partition: round robin by the producer's default partitioner with null keys). */
    List<Sent> produceRaw(String topic, Integer partition, List<byte[]> values, List<Long> timestamps)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            acks.add(producer.send(new ProducerRecord<>(topic, partition, timestamps.get(i),
                    ("k" + i).getBytes(), values.get(i))));
        }
        producer.flush();
        List<Sent> sent = new ArrayList<>();
        for (Future<RecordMetadata> f : acks) {
            RecordMetadata m = f.get();
            sent.add(new Sent(topic, m.partition(), m.offset(), m.timestamp()));
        }
        return sent;
    }

    @Override
    public void close() {
        producer.close();
        try {
            hdfs.shutdown();
        } finally {
            try {
                registry.close();
            } finally {
                kafka.close();
                log.close();
            }
        }
    }
}
