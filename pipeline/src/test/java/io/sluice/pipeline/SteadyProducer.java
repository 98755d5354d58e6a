package io.sluice.pipeline;

import io.sluice.registry.client.AvroSerializer;
import io.sluice.registry.client.CachedSchemaRegistryClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code n} page views with known keys at a steady pace ({@code n} over {@code over}) on a thread of its own,
 * while a test disturbs the pipeline that reads them, and remembers where the log put each one.
 *
 * <p>Record {@code i} has key {@code k<i>}, goes to partition {@code i % partitions}, and is the page view
 * {@code (id k<i>, url /p/k<i>, viewed_at eventTime(i))} with the same log timestamp. The event times are a
 * permutation of an even spread over {@code hours} hours, so every commit of a source partition spans several hour
 * partitions (one journal entry, several files).
 *
 * <p>The producer is idempotent with acks=all, so a retried send cannot put a record into the log twice: the log
 * holds exactly {@code n} records and a table that holds more has duplicated them itself.
 */
final class SteadyProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SteadyProducer.class);
    /** Prime, so {@code i * STRIDE mod n} visits every slot once when n is not a multiple of it. */
    private static final long STRIDE = 7_919;

    private final String topic;
    private final int partitions;
    private final int n;
    private final int hours;
    private final Duration over;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AvroSerializer serializer;
    private final int[] partitionOf;
    private final long[] offsetOf;
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean hurry;
    private final Thread thread;

    SteadyProducer(String bootstrap, String registryUrl, String topic, int partitions, int n, int hours,
                   Duration over) {
        if (n % STRIDE == 0) {
            throw new IllegalArgumentException("n must not be a multiple of " + STRIDE + ", not " + n);
        }
        this.topic = topic;
        this.partitions = partitions;
        this.n = n;
        this.hours = hours;
        this.over = over;
        this.partitionOf = new int[n];
        this.offsetOf = new long[n];
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.serializer = new AvroSerializer(new CachedSchemaRegistryClient(registryUrl));
        this.serializer.configure(Map.of("schema.registry.url", registryUrl), false);
        this.thread = new Thread(this::run, "steady-producer-" + topic);
        this.thread.setDaemon(true);
    }

    static String key(int i) {
        return "k" + i;
    }

    /** The event time (and log timestamp) of record {@code i} of {@code n}. */
    static long eventTime(int i, int n, int hours) {
        long slot = (i * STRIDE) % n;
        return Rows.T0 + slot * hours * Rows.HOUR / n;
    }

    static GenericRecord value(int i, int n, int hours) {
        return Rows.pageView(key(i), eventTime(i, n, hours));
    }

    void start() {
        thread.start();
    }

    private void run() {
        long started = System.nanoTime();
        long perRecordNanos = over.toNanos() / n;
        try {
            for (int i = 0; i < n && failure.get() == null; i++) {
                awaitTurn(started + i * perRecordNanos);
                int index = i;
                long time = eventTime(i, n, hours);
                byte[] body = serializer.serialize(topic, value(i, n, hours));
                producer.send(new ProducerRecord<>(topic, i % partitions, time, key(i).getBytes(), body),
                        (meta, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                partitionOf[index] = meta.partition();
                                offsetOf[index] = meta.offset();
                                acked.incrementAndGet();
                            }
                        });
            }
            producer.flush();
            LOG.info("produced {} records into {} in {} ms", acked.get(), topic,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            done.countDown();
        }
    }

    /** Sleeps until {@code due} (System.nanoTime), in short steps so that {@link #hurry} takes effect at once. */
    private void awaitTurn(long due) throws InterruptedException {
        long wait;
        while (!hurry && (wait = due - System.nanoTime()) > 1_000_000) {
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, 50_000_000));
        }
    }

    /**
     * Writes the rest without pacing. The pace is chosen slow enough to last through every disruption (a crash
     * inside a commit needs commits, so records must keep coming); once they are over, the rest need not wait.
     */
    void hurry() {
        hurry = true;
    }

    /** Whether every record is written and acknowledged (or the producer failed: see {@link #awaitDone}). */
    boolean isDone() {
        return done.getCount() == 0;
    }

    /** How many records the log has acknowledged so far. */
    int acked() {
        return acked.get();
    }

    /** Waits until every record is acknowledged; throws if a send failed. */
    void awaitDone(Duration timeout) throws Exception {
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("producer of " + topic + " did not finish within " + timeout + ": " + acked.get()
                    + " of " + n + " acknowledged");
        }
        if (failure.get() != null) {
            throw new AssertionError("producing into " + topic + " failed after " + acked.get() + " of " + n
                    + " records", failure.get());
        }
        if (acked.get() != n) {
            throw new AssertionError("producer of " + topic + " finished with " + acked.get() + " of " + n
                    + " records acknowledged");
        }
    }

    /** Where the log put each record, by record index: "partition@offset". Valid after {@link #awaitDone}. */
    Map<String, Integer> indexBySource() {
        Map<String, Integer> bySource = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Integer earlier = bySource.put(partitionOf[i] + "@" + offsetOf[i], i);
            if (earlier != null) {
                throw new AssertionError("the log acknowledged records " + earlier + " and " + i + " at the same "
                        + "offset " + partitionOf[i] + "@" + offsetOf[i]);
            }
        }
        return bySource;
    }

    /** The log end offset of each partition as this (only) producer left it. Valid after {@link #awaitDone}. */
    Map<TopicPartition, Long> endOffsets() {
        Map<TopicPartition, Long> end = new HashMap<>();
        for (int i = 0; i < n; i++) {
            end.merge(new TopicPartition(topic, partitionOf[i]), offsetOf[i] + 1, Math::max);
        }
        return end;
    }

    String topic() { return topic; }
    int n() { return n; }
    int hours() { return hours; }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(10_000);
        producer.close(Duration.ofSeconds(5));
    }
}
