package io.sluice.log.server;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends every {@link NullFieldRequests} variant of the APIs log-core serves to a Kafka-protocol broker,
 * each on a connection of its own, and writes one line per variant: its id and what came back (the
 * errors in the response, "closed" or "no answer"). Run against Apache Kafka it records the answers
 * log-core must give ({@code src/test/resources/null-fields-kafka-3.9.1.tsv}); {@link NullFieldsTest}
 * runs it against log-core and compares.
 *
 * <pre>
 *   ../shared/bench/start-kafka.sh      # Apache Kafka 3.9.1 on 127.0.0.1:19092
 *   java -cp "$(cat log-core/target/test-classpath.txt):log-core/target/classes:log-core/target/test-classes" \
 *       io.sluice.log.server.NullFieldProbe 127.0.0.1:19092 log-core/src/test/resources/null-fields-kafka-3.9.1.tsv
 *   ../shared/bench/stop-kafka.sh
 * </pre>
 */
public final class NullFieldProbe {
    /** The APIs log-core serves (NullFieldsTest checks this against the server's ApiVersions). */
    static final List<ApiKeys> APIS = List.of(ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.METADATA,
            ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP,
            ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS,
            ApiKeys.API_VERSIONS, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS, ApiKeys.INIT_PRODUCER_ID,
            ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.CREATE_PARTITIONS, ApiKeys.DELETE_GROUPS,
            ApiKeys.INCREMENTAL_ALTER_CONFIGS);
    static final int ANSWER_TIMEOUT_MS = 10_000;

    private NullFieldProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: NullFieldProbe HOST:PORT OUTPUT_FILE");
            System.exit(2);
        }
        Map<String, String> answers = probe(args[0]);
        List<String> lines = new ArrayList<>();
        answers.forEach((id, outcome) -> lines.add(id + "\t" + outcome));
        Files.write(Path.of(args[1]), lines, StandardCharsets.UTF_8);
        PrintStream out = System.out;
        out.println(answers.size() + " variants probed on " + args[0] + ", written to " + args[1]);
    }

    /** Creates the probe topic (if missing), sends every variant; answers by variant id, in order. */
    static Map<String, String> probe(String bootstrap) throws IOException, InterruptedException, ExecutionException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(NullFieldRequests.TOPIC, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        warmUp(bootstrap);
        int colon = bootstrap.lastIndexOf(':');
        InetSocketAddress at = new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
        Map<String, String> answers = new LinkedHashMap<>();
        for (NullFieldRequests.Variant v : NullFieldRequests.of(APIS)) {
            answers.put(v.id(), answer(at, v));
        }
        return answers;
    }

    /**
     * Brings the broker to the state the probe assumes on either broker: the group coordinator loaded with
     * an offset committed by group "probe", and producer ids being handed out.
     */
    private static void warmUp(String bootstrap) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, NullFieldRequests.TOPIC);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(NullFieldRequests.TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)), Duration.ofSeconds(60));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(NullFieldRequests.TOPIC, "warm".getBytes(StandardCharsets.UTF_8))).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("warming up " + bootstrap + " failed", e);
        }
    }

    static String answer(InetSocketAddress at, NullFieldRequests.Variant v) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(at, ANSWER_TIMEOUT_MS);
            s.setSoTimeout(ANSWER_TIMEOUT_MS);
            RequestHeader header = v.header(7);
            OutputStream out = s.getOutputStream();
            out.write(v.frame(header));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] body;
            try {
                int size = in.readInt();
                body = new byte[size];
                in.readFully(body);
            } catch (EOFException | SocketException e) {
                return "closed";
            } catch (SocketTimeoutException e) {
                return "no answer";
            }
            try {
                AbstractResponse r = AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
                // the errors, not their counts: those depend on how many topics and partitions each broker has
                Set<String> errors = new TreeSet<>();
                r.errorCounts().keySet().forEach(e -> errors.add(e.name()));
                return errors.isEmpty() ? Errors.NONE.name() : String.join(",", errors);
            } catch (RuntimeException e) {
                return "unparseable answer";
            }
        }
    }
}
