package io.sluice.log.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Random requests of the APIs log-core serves, at random versions, built from the protocol schemas with
 * random values: small and extreme numbers, empty, long and unusual strings, nulls where the schema allows
 * them, arrays of 0 to 3 elements, record batches that are valid, empty or random bytes. Deterministic for
 * a seed. Sizes stay small: the point is the handlers' logic, not the memory limits (tested apart).
 */
final class RandomRequests {
    private static final int[] INTS = {0, 1, 2, 3, -1, -2, 7, 100, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final long[] LONGS = {0, 1, -1, -2, 42, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] STRINGS = {"", "probe", "fuzz-topic", "__consumer_offsets", "a.b", "..", "x".repeat(300),
        "ünïcödé", "with space", "consumer", "range", "compact", "cleanup.policy", "retention.ms", "-1", "9999999999"};

    private final Random random;
    private final List<ApiKeys> apis;
    private int correlationId;

    RandomRequests(long seed, List<ApiKeys> apis) {
        this.random = new Random(seed);
        this.apis = apis;
    }

    /** The next request, size-prefixed, and the API and version it is of (for messages). */
    record Request(ApiKeys api, short version, byte[] frame) {
    }

    Request next() {
        ApiKeys api = apis.get(random.nextInt(apis.size()));
        short version = (short) (api.oldestVersion() + random.nextInt(api.latestVersion(false) - api.oldestVersion() + 1));
        RequestHeader header = new RequestHeader(api, version, random.nextBoolean() ? "fuzz" : "", ++correlationId);
        byte[] frame = SchemaRequests.frame(header, api, version, new SchemaRequests.Values() {
            @Override
            public boolean isNull(String path) {
                return random.nextInt(4) == 0;
            }

            @Override
            public int arrayLength(String path) {
                return random.nextInt(4);
            }

            @Override
            public Object primitive(String path, String name, Type t) {
                return value(name, t);
            }
        });
        return new Request(api, version, frame);
    }

    private Object value(String name, Type t) {
        if (name.equals("num_partitions") || name.equals("count")) {
            return random.nextInt(5) - 1; // topic administration stays small here: AdminRequestLimitsTest covers the bounds
        }
        if (name.equals("timeout_ms") || name.endsWith("_timeout_ms") || name.equals("max_wait_ms")) {
            return random.nextInt(200); // nothing the test has to wait long for
        }
        if (t == Type.BOOLEAN) {
            return random.nextBoolean();
        } else if (t == Type.INT8) {
            return (byte) INTS[random.nextInt(INTS.length)];
        } else if (t == Type.INT16) {
            return (short) INTS[random.nextInt(INTS.length)];
        } else if (t == Type.UINT16) {
            return random.nextInt(65536);
        } else if (t == Type.INT32 || t == Type.VARINT) {
            return INTS[random.nextInt(INTS.length)];
        } else if (t == Type.UNSIGNED_INT32) {
            return (long) random.nextInt(Integer.MAX_VALUE);
        } else if (t == Type.INT64 || t == Type.VARLONG) {
            return LONGS[random.nextInt(LONGS.length)];
        } else if (t == Type.FLOAT64) {
            return random.nextDouble();
        } else if (t == Type.UUID) {
            return random.nextBoolean() ? Uuid.ZERO_UUID : Uuid.randomUuid();
        } else if (NullFieldRequests.isString(t)) {
            return STRINGS[random.nextInt(STRINGS.length)];
        } else if (NullFieldRequests.isBytes(t)) {
            byte[] b = new byte[random.nextInt(40)];
            random.nextBytes(b);
            return ByteBuffer.wrap(b);
        } else if (t == Type.RECORDS || t == Type.COMPACT_RECORDS) {
            return records();
        }
        throw new IllegalArgumentException("no random value for " + name + " of type " + t);
    }

    private Object records() {
        switch (random.nextInt(4)) {
            case 0:
                return MemoryRecords.EMPTY;
            case 1: {
                byte[] garbage = new byte[random.nextInt(120)];
                random.nextBytes(garbage);
                return MemoryRecords.readableRecords(ByteBuffer.wrap(garbage));
            }
            case 2: { // a valid batch with one byte flipped
                ByteBuffer b = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))
                        .buffer().duplicate();
                int at = random.nextInt(b.remaining());
                b.put(at, (byte) (b.get(at) ^ (1 + random.nextInt(255))));
                return MemoryRecords.readableRecords(b);
            }
            default:
                return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(
                        ("k" + random.nextInt(10)).getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
        }
    }
}
