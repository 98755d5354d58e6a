package io.sluice.log.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Requests built from kafka-clients' own protocol schemas, each with one field that the schema lets be
 * null set to null and every other field filled with a plain value: the bytes a careless or hostile client
 * may send that still parse. Used to compare what log-core answers with what Apache Kafka answers.
 */
final class NullFieldRequests {
    /** Topic names in the requests: the topic exists on the broker under test (DeleteTopics names a missing one). */
    static final String TOPIC = "probe";
    static final String MISSING_TOPIC = "no-such-topic";

    /** One request: the API, version, the dotted path of the null field, and the header it is sent with. */
    record Variant(ApiKeys api, short version, String nullField) {
        String id() {
            return api.name + " v" + version + " " + nullField;
        }

        RequestHeader header(int correlationId) {
            return new RequestHeader(api, version, "null-field-probe", correlationId);
        }

        /** Header and body, size-prefixed. */
        byte[] frame(RequestHeader header) {
            return SchemaRequests.frame(header, api, version, new SchemaRequests.Values() {
                @Override
                public boolean isNull(String path) {
                    return path.equals(nullField);
                }

                @Override
                public int arrayLength(String path) {
                    return 1;
                }

                @Override
                public Object primitive(String path, String name, Type t) {
                    return plainValue(name, t, api);
                }
            });
        }
    }

    private NullFieldRequests() {
    }

    /** Every variant of every version of {@code apis}. */
    static List<Variant> of(List<ApiKeys> apis) {
        List<Variant> all = new ArrayList<>();
        for (ApiKeys api : apis) {
            for (short v = api.oldestVersion(); v <= api.latestVersion(false); v++) {
                for (String path : nullablePaths(api.messageType.requestSchemas()[v], "")) {
                    all.add(new Variant(api, v, path));
                }
            }
        }
        return all;
    }

    private static List<String> nullablePaths(Schema schema, String prefix) {
        List<String> paths = new ArrayList<>();
        for (BoundField f : schema.fields()) {
            Type t = f.def.type;
            String path = prefix + f.def.name;
            if (t instanceof TaggedFields) {
                continue; // absent tagged fields take their defaults: nothing to null
            }
            if (t.isNullable()) {
                paths.add(path);
            }
            Type inner = t.isArray() ? t.arrayElementType().orElseThrow() : t;
            if (inner instanceof Schema s) {
                paths.addAll(nullablePaths(s, path + "."));
            }
        }
        return paths;
    }

    /** A plain value of primitive type {@code t}: zero, the probe topic's name, one record. */
    static Object plainValue(String name, Type t, ApiKeys api) {
        Object special = NAMED.get(name);
        if (special != null) {
            return special;
        }
        if (t == Type.BOOLEAN) {
            return false;
        } else if (t == Type.INT8) {
            return (byte) 0;
        } else if (t == Type.INT16) {
            return (short) 0;
        } else if (t == Type.INT32 || t == Type.UINT16 || t == Type.VARINT) {
            return 0;
        } else if (t == Type.INT64 || t == Type.UNSIGNED_INT32 || t == Type.VARLONG) {
            return 0L;
        } else if (t == Type.FLOAT64) {
            return 0.0;
        } else if (t == Type.UUID) {
            return Uuid.ZERO_UUID;
        } else if (isString(t)) {
            return api == ApiKeys.DELETE_TOPICS ? MISSING_TOPIC : TOPIC;
        } else if (isBytes(t)) {
            return ByteBuffer.wrap("probe".getBytes(StandardCharsets.UTF_8));
        } else if (t == Type.RECORDS || t == Type.COMPACT_RECORDS) {
            return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8)));
        }
        throw new IllegalArgumentException("no value for " + name + " of type " + t);
    }

    static boolean isString(Type t) {
        return t == Type.STRING || t == Type.COMPACT_STRING || t == Type.NULLABLE_STRING || t == Type.COMPACT_NULLABLE_STRING;
    }

    static boolean isBytes(Type t) {
        return t == Type.BYTES || t == Type.COMPACT_BYTES || t == Type.NULLABLE_BYTES || t == Type.COMPACT_NULLABLE_BYTES;
    }

    /** Fields whose zero value would change what the request is (acks=0 is answered by nothing). */
    private static final Map<String, Object> NAMED = Map.ofEntries(
            Map.entry("acks", (short) 1),
            Map.entry("timeout_ms", 5_000),
            Map.entry("max_bytes", 1 << 20),
            Map.entry("partition_max_bytes", 1 << 20),
            Map.entry("replication_factor", (short) 1),
            Map.entry("num_partitions", 1),
            Map.entry("session_timeout_ms", 10_000),
            Map.entry("rebalance_timeout_ms", 10_000),
            Map.entry("transaction_timeout_ms", 60_000),
            Map.entry("producer_id", -1L),
            Map.entry("producer_epoch", (short) -1),
            Map.entry("generation_id", -1),
            Map.entry("generation_id_or_member_epoch", -1));
}
