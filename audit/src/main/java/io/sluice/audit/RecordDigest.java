package io.sluice.audit;

import java.nio.ByteBuffer;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The 64-bit hash of one record's key and value bytes that every tier computes the same way (xxHash64:
 * fast, well mixed, from the lz4-java that kafka-clients already brings). The key's hash seeds the value's,
 * so (key, value) and (value, key) differ, and a null key or value hashes differently from an empty one.
 */
public final class RecordDigest {
    /**
     * The pure-Java (Unsafe) xxHash64, not {@code fastestInstance()}'s JNI one: every implementation returns the
     * same hash, and for records of a few hundred bytes the JNI call costs more than the hashing (about 90 ns
     * against 45 ns for 166 bytes on the benchmark machine).
     */
    private static final XXHash64 HASH = XXHashFactory.fastestJavaInstance().hash64();
    private static final long NULL_KEY_SEED = 0x5eed_0f_5_1c_e0L;
    private static final long NULL_VALUE = 0x6e75_6c6c_7661_6cL;

    private RecordDigest() {}

    public static long of(byte[] key, byte[] value) {
        long seed = key == null ? NULL_KEY_SEED : HASH.hash(key, 0, key.length, NULL_KEY_SEED ^ key.length);
        return value == null ? seed ^ NULL_VALUE : HASH.hash(value, 0, value.length, seed);
    }

    /**
     * The same hash over a key and a value held in one array (a record inside a batch read whole): the key is
     * {@code keyLength} bytes at {@code keyOffset}, the value {@code valueLength} bytes at {@code valueOffset}; a
     * length of -1 is a null key or value.
     */
    public static long of(byte[] bytes, int keyOffset, int keyLength, int valueOffset, int valueLength) {
        long seed = keyLength < 0 ? NULL_KEY_SEED : HASH.hash(bytes, keyOffset, keyLength, NULL_KEY_SEED ^ keyLength);
        return valueLength < 0 ? seed ^ NULL_VALUE : HASH.hash(bytes, valueOffset, valueLength, seed);
    }

    /** The same hash over buffers (their remaining bytes; positions are not moved). */
    public static long of(ByteBuffer key, ByteBuffer value) {
        long seed = key == null ? NULL_KEY_SEED
                : HASH.hash(key, key.position(), key.remaining(), NULL_KEY_SEED ^ key.remaining());
        return value == null ? seed ^ NULL_VALUE : HASH.hash(value, value.position(), value.remaining(), seed);
    }
}
