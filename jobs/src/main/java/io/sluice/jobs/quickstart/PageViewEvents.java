package io.sluice.jobs.quickstart;

import io.sluice.audit.AuditConfig;
import io.sluice.audit.AuditingProducer;
import io.sluice.registry.client.AvroSerdeConfig;
import io.sluice.registry.client.AvroSerializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Realistic page-view events ({@code io.sluice.examples.PageView}) for the quickstart, the ingest benchmark and
 * tests: the schema, a deterministic generator and a producer that writes them to a topic through the registry.
 *
 * <pre>
 *   ProduceSummary s = PageViewEvents.produce("127.0.0.1:9092", "http://127.0.0.1:8081", "page_views", 200_000,
 *           PageViewEvents.Options.defaults());
 *   // s.endOffsets(): where a consumer that wants all of them stops
 * </pre>
 */
public final class PageViewEvents {
    private static final Logger LOG = LoggerFactory.getLogger(PageViewEvents.class);

    /** The Avro schema, from {@code PageView.avsc} next to this class. */
    public static final Schema SCHEMA = loadSchema();

    private PageViewEvents() {}

    /**
     * How events are generated.
     *
     * @param seed          the same seed (with the same end and span) gives the same events
     * @param end           event times of in-order events end here (default: now)
     * @param span          in-order event times spread evenly over {@code [end - span, end]} (default 6 h)
     * @param lateFraction  share of events moved back in time (default 0.02)
     * @param maxLateness   how far back a late event goes at most (default 45 min; at least 1 min)
     */
    public record Options(long seed, Instant end, Duration span, double lateFraction, Duration maxLateness) {
        public Options {
            Objects.requireNonNull(end, "end");
            Objects.requireNonNull(span, "span");
            Objects.requireNonNull(maxLateness, "maxLateness");
            if (span.isNegative() || span.isZero()) {
                throw new IllegalArgumentException("span must be positive, got " + span);
            }
            if (!(lateFraction >= 0 && lateFraction <= 1)) {
                throw new IllegalArgumentException("lateFraction must be in [0, 1], got " + lateFraction);
            }
            if (maxLateness.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("maxLateness must be at least 1 minute, got " + maxLateness);
            }
        }

        /** Seed 42, ending now, 6 hours, 2% late by up to 45 minutes. */
        public static Options defaults() {
            return new Options(42, Instant.now(), Duration.ofHours(6), 0.02, Duration.ofMinutes(45));
        }

        public Options withSeed(long s) {
            return new Options(s, end, span, lateFraction, maxLateness);
        }

        public Options withEnd(Instant e) {
            return new Options(seed, e, span, lateFraction, maxLateness);
        }

        public Options withSpan(Duration s) {
            return new Options(seed, end, s, lateFraction, maxLateness);
        }

        public Options withLateFraction(double f) {
            return new Options(seed, end, span, f, maxLateness);
        }
    }

    /** Makes the producer the events are sent with, from {@link #producerConfig}'s settings. */
    @FunctionalInterface
    public interface ProducerFactory {
        Producer<byte[], Object> create(Map<String, Object> config);
    }

    /** A plain {@code KafkaProducer}: nothing is audited (what the ingest benchmark measures). */
    public static final ProducerFactory PLAIN = KafkaProducer::new;

    /**
     * The producer tier of the audit: an {@link AuditingProducer}, which serializes each event itself so that it
     * can digest the key and value bytes of every record the log acknowledged, and publishes its counts with
     * {@code audit}'s topic, buckets and interval, and once more when it is closed.
     */
    public static ProducerFactory audited(AuditConfig audit) {
        return config -> {
            Map<String, Object> c = new HashMap<>(config);
            c.put(AuditConfig.TOPIC, audit.topic());
            c.put(AuditConfig.BUCKET_MS, audit.buckets().widthMillis());
            c.put(AuditConfig.PUBLISH_INTERVAL_MS, audit.publishInterval().toMillis());
            c.put(AuditConfig.BOOTSTRAP, audit.bootstrapServers());
            return new AuditingProducer<>(c);
        };
    }

    /** A generator of {@code n} events (bulk mode), or of any number in live mode ({@link PageViewGenerator#next(long)}). */
    public static PageViewGenerator generator(Options options, long n) {
        return new PageViewGenerator(options, n);
    }

    /**
     * The producer settings: idempotent, acks=all, byte[] keys, the registry's Avro serializer for values
     * (auto-registering the schema under {@code <topic>-value}).
     */
    public static Map<String, Object> producerConfig(String bootstrap, String registryUrl) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // named as a class so that the producer configures it (it does not configure instances it is given)
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        c.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, true);
        return c;
    }

    /**
     * Produces {@code n} events to {@code topic} and waits until the log has acknowledged all of them. The
     * record timestamp (CreateTime) is the event's event_time; the key is the user id's UTF-8 bytes, so one
     * user's views stay in one partition. The topic must exist.
     *
     * @throws KafkaException the first send that failed, after the others finished
     */
    public static ProduceSummary produce(String bootstrap, String registryUrl, String topic, long n, Options options) {
        return produce(bootstrap, registryUrl, topic, n, options, null);
    }

    /** Told of every acknowledged record, in the producer's I/O thread: keep it short. */
    @FunctionalInterface
    public interface AckListener {
        void acked(int partition, long offset, long ackedAtMillis);
    }

    /** {@link #produce(String, String, String, long, Options)}, telling {@code listener} (if not null) of each ack. */
    public static ProduceSummary produce(String bootstrap, String registryUrl, String topic, long n, Options options,
                                         AckListener listener) {
        return produce(bootstrap, registryUrl, topic, n, options, listener, PLAIN);
    }

    /**
     * {@link #produce(String, String, String, long, Options, AckListener)} with a producer from {@code producers};
     * it is closed before this returns (an audited one publishes its final counts then).
     */
    public static ProduceSummary produce(String bootstrap, String registryUrl, String topic, long n, Options options,
                                         AckListener listener, ProducerFactory producers) {
        PageViewGenerator generator = generator(options, n);
        Tracker tracker = new Tracker(listener);
        long started = System.nanoTime();
        long lastLog = started;
        try (Producer<byte[], Object> producer = producers.create(producerConfig(bootstrap, registryUrl))) {
            while (generator.hasNext() && tracker.failure.get() == null) {
                GenericRecord event = generator.next();
                long eventTime = (Long) event.get("event_time");
                byte[] key = event.get("user_id").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                tracker.sent(eventTime);
                producer.send(new ProducerRecord<>(topic, null, eventTime, key, event), tracker::acked);
                long now = System.nanoTime();
                if (now - lastLog > 5_000_000_000L) {
                    lastLog = now;
                    LOG.info("produced {} of {} page views to {} ({} acknowledged)", generator.generated(), n, topic, tracker.acked.get());
                }
            }
            producer.flush();
        }
        KafkaException failure = tracker.failure.get();
        if (failure != null) {
            throw failure;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        LOG.info("produced {} page views to {} in {} ms", tracker.acked.get(), topic, elapsed.toMillis());
        return new ProduceSummary(tracker.acked.get(), tracker.minEventTime, tracker.maxEventTime, tracker.lastOffsets,
                tracker.valueBytes.get(), elapsed);
    }

    /**
     * Live mode, for latency: produces events at {@code perSecond} for {@code duration}, paced against the wall
     * clock (a send that falls behind is caught up, not dropped). The record timestamp is the wall-clock time of
     * the send, the event_time the generator's live time (so ~2% are late); a consumer measures
     * produce-to-visible latency from the record timestamp.
     */
    public static ProduceSummary produceAtRate(String bootstrap, String registryUrl, String topic, int perSecond,
                                               Duration duration, Options options) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive, got " + perSecond + " events/s");
        }
        PageViewGenerator generator = generator(options.withSpan(Duration.ofDays(3650)), Long.MAX_VALUE);
        Tracker tracker = new Tracker();
        long started = System.nanoTime();
        long end = started + duration.toNanos();
        long lastLog = started;
        try (KafkaProducer<byte[], Object> producer = new KafkaProducer<>(producerConfig(bootstrap, registryUrl))) {
            long sent = 0;
            for (long now = started; now < end && tracker.failure.get() == null; now = System.nanoTime()) {
                long due = (now - started) * perSecond / 1_000_000_000L;
                while (sent < due) {
                    long producedAt = System.currentTimeMillis();
                    GenericRecord event = generator.next(producedAt);
                    byte[] key = event.get("user_id").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    tracker.sent((Long) event.get("event_time"));
                    producer.send(new ProducerRecord<>(topic, null, producedAt, key, event), tracker::acked);
                    sent++;
                }
                if (now - lastLog > 10_000_000_000L) {
                    lastLog = now;
                    LOG.info("live: {} page views sent to {} ({} acknowledged)", sent, topic, tracker.acked.get());
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
            producer.flush();
        }
        KafkaException failure = tracker.failure.get();
        if (failure != null) {
            throw failure;
        }
        return new ProduceSummary(tracker.acked.get(), tracker.minEventTime, tracker.maxEventTime, tracker.lastOffsets,
                tracker.valueBytes.get(), Duration.ofNanos(System.nanoTime() - started));
    }

    /** Acknowledgements arrive on the producer's I/O thread; sends on the caller's. */
    private static final class Tracker {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong valueBytes = new AtomicLong();
        final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        final AtomicReference<KafkaException> failure = new AtomicReference<>();
        long minEventTime = Long.MAX_VALUE; // sender thread only
        long maxEventTime = Long.MIN_VALUE;
        final AckListener listener;

        Tracker() {
            this(null);
        }

        Tracker(AckListener listener) {
            this.listener = listener;
        }

        void sent(long eventTime) {
            minEventTime = Math.min(minEventTime, eventTime);
            maxEventTime = Math.max(maxEventTime, eventTime);
        }

        void acked(org.apache.kafka.clients.producer.RecordMetadata md, Exception e) {
            if (e != null) {
                failure.compareAndSet(null, e instanceof KafkaException k ? k
                        : new KafkaException("producing a page view failed: " + e, e));
                return;
            }
            acked.incrementAndGet();
            valueBytes.addAndGet(md.serializedValueSize());
            lastOffsets.merge(md.partition(), md.offset(), Math::max);
            if (listener != null) {
                listener.acked(md.partition(), md.offset(), System.currentTimeMillis());
            }
        }
    }

    private static Schema loadSchema() {
        try (InputStream in = PageViewEvents.class.getResourceAsStream("PageView.avsc")) {
            if (in == null) {
                throw new IllegalStateException("PageView.avsc is missing next to " + PageViewEvents.class.getName());
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading PageView.avsc", e);
        }
    }
}
