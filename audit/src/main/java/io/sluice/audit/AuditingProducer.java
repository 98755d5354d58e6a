package io.sluice.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer tier with digests: a {@link Producer} that serializes keys and values itself, with the
 * application's serializers, sends the bytes through an inner {@code KafkaProducer<byte[], byte[]>}, and for
 * every record the log acknowledged counts the {@link RecordDigest} of exactly those bytes, in the bucket of
 * the timestamp in the acknowledgement. {@link AuditInterceptor} needs no code change but counts only; this
 * producer lets the judge compare producer and log by content as well.
 *
 * <pre>
 *   Properties p = new Properties();
 *   p.put("bootstrap.servers", "127.0.0.1:9092");
 *   p.put("key.serializer", StringSerializer.class.getName());
 *   p.put("value.serializer", StringSerializer.class.getName());
 *   try (Producer&lt;String, String&gt; producer = new AuditingProducer&lt;&gt;(p)) {
 *       producer.send(new ProducerRecord&lt;&gt;("page_views", userId, json));
 *   }
 * </pre>
 *
 * <p>Configuration is a {@code KafkaProducer}'s, plus the {@link AuditConfig} keys ({@code sluice.audit.*}).
 * Serializers come from {@code key.serializer}/{@code value.serializer} (instantiated and configured as
 * {@code KafkaProducer} does) or are given to the constructor (used as they are, not configured); they get the
 * record's headers. The records' partitions are those a {@code KafkaProducer<K, V>} would choose: the inner
 * producer's partitioner sees the same key bytes (a custom partitioner that looks at the key object sees the
 * bytes instead). Interceptors of {@code interceptor.classes} run here, on the application's records before
 * serialization, as in {@code KafkaProducer}; {@link AuditInterceptor} is refused among them, since it would
 * count every record a second time under another instance id.
 *
 * <p>What is counted: records acknowledged with an offset (so nothing with {@code acks=0}), on every topic
 * except the audit topic and internal ({@code _}-prefixed) ones; latency is the acknowledgement time minus the
 * record's timestamp. A send that fails is not counted. Records of an aborted transaction are counted (the log
 * holds them, as the log tier counts them). Each instance is a new producer-tier instance
 * ({@code producer/<host>/<client.id>/<uuid>}); it publishes every {@code sluice.audit.publish.interval.ms} and
 * once more at {@link #close}, after the inner producer has delivered what it could.
 *
 * <p>Thread-safe, as {@code KafkaProducer}: per record it allocates the byte record and one callback (the
 * serializers' own allocations aside); the digest is computed in the sending thread, the counting in the
 * producer's I/O thread.
 */
public final class AuditingProducer<K, V> implements Producer<K, V> {
    private static final Logger LOG = LoggerFactory.getLogger(AuditingProducer.class);
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger(1);

    private final Producer<byte[], byte[]> inner;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final List<ProducerInterceptor<K, V>> interceptors;
    private final String auditTopic;
    private final AuditCounter counter;
    private final AuditPublisher publisher;
    private final InFlight inFlight = new InFlight();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Serializers from {@code key.serializer} and {@code value.serializer}. */
    public AuditingProducer(Map<String, Object> configs) {
        this(configs, null, null);
    }

    public AuditingProducer(Properties properties) {
        this(Utils.propsToMap(properties), null, null);
    }

    public AuditingProducer(Properties properties, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(Utils.propsToMap(properties), keySerializer, valueSerializer);
    }

    /** A null serializer is taken from the configuration, as in {@code KafkaProducer}. */
    public AuditingProducer(Map<String, Object> configs, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        AuditConfig audit = AuditConfig.from(configs);
        Map<String, Object> userConfigs = new HashMap<>(configs);
        Object clientId = userConfigs.get(ProducerConfig.CLIENT_ID_CONFIG);
        if (clientId == null || clientId.toString().isEmpty()) {
            // named here (not by the inner producer) so that interceptors, serializers and the instance id agree
            clientId = "sluice-audited-producer-" + CLIENT_IDS.getAndIncrement();
            userConfigs.put(ProducerConfig.CLIENT_ID_CONFIG, clientId.toString());
        }
        List<ProducerInterceptor<K, V>> configured = new ArrayList<>();
        Serializer<K> ks = null;
        Serializer<V> vs = null;
        Producer<byte[], byte[]> producer = null;
        AuditCounter c = new AuditCounter(Tier.PRODUCER, audit.buckets());
        AuditPublisher pub;
        try {
            configured.addAll(interceptors(userConfigs));
            ks = keySerializer != null ? keySerializer : serializer(userConfigs, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, true);
            vs = valueSerializer != null ? valueSerializer : serializer(userConfigs, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, false);
            Map<String, Object> innerConfigs = new HashMap<>(userConfigs);
            innerConfigs.remove(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG);
            innerConfigs.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            innerConfigs.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            innerConfigs.keySet().removeIf(k -> k.startsWith("sluice.audit."));
            producer = new KafkaProducer<>(innerConfigs, new ByteArraySerializer(), new ByteArraySerializer());
            pub = new AuditPublisher(c, AuditInterceptor.instanceId(clientId.toString()), true, audit, inFlight);
        } catch (RuntimeException e) {
            closeQuietly(producer, "inner producer");
            configured.forEach(i -> closeQuietly(i, "interceptor"));
            if (keySerializer == null) {
                closeQuietly(ks, "key serializer");
            }
            if (valueSerializer == null) {
                closeQuietly(vs, "value serializer");
            }
            throw e;
        }
        this.inner = producer;
        this.keySerializer = ks;
        this.valueSerializer = vs;
        this.interceptors = List.copyOf(configured);
        this.auditTopic = audit.topic();
        this.counter = c;
        this.publisher = pub;
    }

    @SuppressWarnings("unchecked")
    private static <T> Serializer<T> serializer(Map<String, Object> configs, String key, boolean isKey) {
        Object v = configs.get(key);
        if (v == null) {
            throw new ConfigException("Missing required configuration \"" + key + "\" which has no default value "
                    + "(or give the serializer to the AuditingProducer constructor).");
        }
        Class<?> c = (Class<?>) ConfigDef.parseType(key, v, ConfigDef.Type.CLASS);
        Serializer<T> s = Utils.newInstance(c, Serializer.class);
        s.configure(configs, isKey);
        return s;
    }

    @SuppressWarnings("unchecked")
    private static <K, V> List<ProducerInterceptor<K, V>> interceptors(Map<String, Object> configs) {
        Object v = configs.get(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG);
        if (v == null) {
            return List.of();
        }
        List<ProducerInterceptor<K, V>> out = new ArrayList<>();
        try {
            for (Object name : (List<?>) ConfigDef.parseType(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, v, ConfigDef.Type.LIST)) {
                Class<?> c = name instanceof Class<?> k ? k
                        : (Class<?>) ConfigDef.parseType(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, name.toString().trim(), ConfigDef.Type.CLASS);
                if (c == AuditInterceptor.class) {
                    throw new ConfigException(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, v, "the AuditingProducer audits "
                            + "already; with " + AuditInterceptor.class.getName() + " as well every record would be "
                            + "counted twice (remove it)");
                }
                ProducerInterceptor<K, V> i = Utils.newInstance(c, ProducerInterceptor.class);
                out.add(i);
                i.configure(configs);
            }
        } catch (RuntimeException e) {
            out.forEach(i -> closeQuietly(i, "interceptor"));
            throw e;
        }
        return out;
    }

    /** Whether records of {@code topic} are counted: not the audit topic, not internal ({@code _}-prefixed) topics. */
    boolean audits(String topic) {
        return !topic.isEmpty() && topic.charAt(0) != '_' && !topic.equals(auditTopic);
    }

    /** This producer's tier instance id in audit messages: {@code producer/<host>/<client.id>/<uuid>}. */
    public String instanceId() {
        return publisher.instanceId();
    }

    /** What this producer has counted so far, per (topic, bucket); cumulative, as published. */
    public List<BucketCounts> counts() {
        return counter.snapshot();
    }

    /** How far its acknowledgements have got in each partition. */
    public Map<TopicPartition, AuditCounter.Progress> progress() {
        return counter.progress();
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        ProducerRecord<K, V> r = interceptors.isEmpty() ? record : onSend(record);
        ProducerRecord<byte[], byte[]> bytes;
        try {
            bytes = serialize(r);
        } catch (RuntimeException e) {
            onSendError(r, e);
            throw e;
        }
        Callback cb;
        boolean audited = audits(bytes.topic());
        if (audited) {
            cb = new Acknowledged(callback, RecordDigest.of(bytes.key(), bytes.value()), true);
            inFlight.sent();
        } else {
            cb = interceptors.isEmpty() ? callback : new Acknowledged(callback, 0, false);
        }
        try {
            return inner.send(bytes, cb);
        } catch (RuntimeException e) {
            // the inner producer has called the callback for an ApiException (and returned a failed future)
            // and thrown anything else, as KafkaProducer does; interceptors hear of the thrown ones here
            if (audited) {
                inFlight.settled();
            }
            onSendError(r, e);
            throw e;
        }
    }

    private ProducerRecord<byte[], byte[]> serialize(ProducerRecord<K, V> r) {
        if (r == null) {
            throw new NullPointerException("record must not be null");
        }
        byte[] key;
        try {
            key = keySerializer.serialize(r.topic(), r.headers(), r.key());
        } catch (ClassCastException e) {
            throw new SerializationException("Can't convert key of class " + r.key().getClass().getName()
                    + " to class " + keySerializer.getClass().getName() + " specified in key.serializer", e);
        }
        byte[] value;
        try {
            value = valueSerializer.serialize(r.topic(), r.headers(), r.value());
        } catch (ClassCastException e) {
            throw new SerializationException("Can't convert value of class " + r.value().getClass().getName()
                    + " to class " + valueSerializer.getClass().getName() + " specified in value.serializer", e);
        }
        // ProducerRecord copies the headers it is given; without any, null saves the copy (and toArray() of no
        // headers is a shared empty array, where iterator() would allocate)
        Headers headers = r.headers();
        return new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), key, value,
                headers.toArray().length > 0 ? headers : null);
    }

    /** As KafkaProducer's interceptors: each one's result goes to the next; one that throws is logged and skipped. */
    private ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        ProducerRecord<K, V> r = record;
        for (ProducerInterceptor<K, V> i : interceptors) {
            try {
                r = i.onSend(r);
            } catch (Exception e) {
                LOG.warn("Error executing interceptor onSend callback for topic: {}, partition: {}",
                        record == null ? null : record.topic(), record == null ? null : record.partition(), e);
            }
        }
        return r;
    }

    private void onSendError(ProducerRecord<K, V> record, Exception exception) {
        if (interceptors.isEmpty() || record == null) {
            return;
        }
        TopicPartition tp = new TopicPartition(record.topic(), record.partition() == null
                ? RecordMetadata.UNKNOWN_PARTITION : record.partition());
        onAcknowledgement(new RecordMetadata(tp, -1, -1, RecordBatch.NO_TIMESTAMP, -1, -1), exception);
    }

    private void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        for (ProducerInterceptor<K, V> i : interceptors) {
            try {
                i.onAcknowledgement(metadata, exception);
            } catch (Exception e) {
                LOG.warn("Error executing interceptor onAcknowledgement callback", e);
            }
        }
    }

    /** Counts an acknowledged record, then hands the acknowledgement to the interceptors and the callback. */
    private final class Acknowledged implements Callback {
        private final Callback callback;
        private final long hash;
        private final boolean audited;

        Acknowledged(Callback callback, long hash, boolean audited) {
            this.callback = callback;
            this.hash = hash;
            this.audited = audited;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (audited) {
                if (exception == null && metadata != null && metadata.hasOffset()) {
                    counter.acknowledged(metadata.topic(), metadata.partition(), metadata.offset(), metadata.timestamp(),
                            hash, System.currentTimeMillis());
                }
                inFlight.settled(); // after counting: idle then means every acknowledged record is counted
            }
            if (!interceptors.isEmpty()) {
                AuditingProducer.this.onAcknowledgement(metadata, exception);
            }
            if (callback != null) {
                callback.onCompletion(metadata, exception);
            }
        }
    }

    @Override
    public void flush() {
        inner.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return inner.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return inner.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return inner.clientInstanceId(timeout);
    }

    @Override
    public void initTransactions() {
        inner.initTransactions();
    }

    @Override
    public void beginTransaction() throws ProducerFencedException {
        inner.beginTransaction();
    }

    @Override
    @Deprecated
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, String consumerGroupId)
            throws ProducerFencedException {
        inner.sendOffsetsToTransaction(offsets, consumerGroupId);
    }

    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata)
            throws ProducerFencedException {
        inner.sendOffsetsToTransaction(offsets, groupMetadata);
    }

    @Override
    public void commitTransaction() throws ProducerFencedException {
        inner.commitTransaction();
    }

    @Override
    public void abortTransaction() throws ProducerFencedException {
        inner.abortTransaction();
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Closes the inner producer (which delivers what it can within {@code timeout}, so that those acknowledgements
     * are counted), then publishes the final counts, then closes the interceptors and the serializers. A second
     * call does nothing.
     */
    @Override
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            inner.close(timeout);
        } finally {
            try {
                publisher.close();
            } finally {
                interceptors.forEach(i -> closeQuietly(i, "interceptor"));
                closeQuietly(keySerializer, "key serializer");
                closeQuietly(valueSerializer, "value serializer");
            }
        }
    }

    private static void closeQuietly(Object closeable, String what) {
        if (closeable instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("Closing the {} failed", what, e);
            }
        }
    }
}
