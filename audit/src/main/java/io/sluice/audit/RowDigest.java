package io.sluice.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The 64-bit hash of one table row as written, which the sink and the warehouse compute the same way: xxHash64 of
 * the row's <em>canonical</em> Avro binary encoding under the schema of the file it is in (for a Sluice table, the
 * writer schema plus the trailing {@code _sluice} position field).
 *
 * <p>Canonical means: the encoding {@link GenericDatumWriter} gives the decoded row, with every map's entries in
 * ascending key order (Avro writes a map in its iteration order, and a reader decodes it into a hash map, so the
 * order on disk says nothing) and every array and map in one block. For a schema without maps and arrays the
 * canonical encoding is the bytes a standard encoder wrote, so the sink hashes the bytes it writes as they are
 * ({@link #ofEncoded}); for other schemas it decodes the row and re-encodes it ({@link #of}).
 *
 * <p>Thread-safe.
 */
public final class RowDigest {
    private static final XXHash64 HASH = XXHashFactory.fastestInstance().hash64();
    private static final long SEED = 0x726f_7764_6967L;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder;
    }

    private RowDigest() {}

    /** The hash of a row given as its canonical encoding (see {@link #encodingIsCanonical}). */
    public static long ofEncoded(byte[] row, int offset, int length) {
        return HASH.hash(row, offset, length, SEED);
    }

    /** The hash of a decoded row: its canonical encoding under {@code schema} (the schema of the file it is in). */
    public static long of(GenericRecord row, Schema schema) {
        Buffers b = BUFFERS.get();
        b.out.reset();
        b.encoder = EncoderFactory.get().binaryEncoder(b.out, b.encoder);
        try {
            new CanonicalWriter(schema).write(row, b.encoder);
            b.encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a row of " + schema.getFullName() + " failed", e);
        }
        byte[] bytes = b.out.toByteArray();
        return ofEncoded(bytes, 0, bytes.length);
    }

    /**
     * Whether every row a standard Avro encoder writes under {@code schema} is already canonical: true when the
     * schema holds no map and no array at any depth (records, unions, enums, fixed and primitives encode one way).
     */
    public static boolean encodingIsCanonical(Schema schema) {
        return canonical(schema, new IdentityHashMap<>());
    }

    private static boolean canonical(Schema s, Map<Schema, Boolean> seen) {
        switch (s.getType()) {
            case MAP, ARRAY:
                return false;
            case RECORD:
                if (seen.put(s, Boolean.TRUE) != null) {
                    return true; // recursive record: judged where it first appeared
                }
                for (Schema.Field f : s.getFields()) {
                    if (!canonical(f.schema(), seen)) {
                        return false;
                    }
                }
                return true;
            case UNION:
                for (Schema branch : s.getTypes()) {
                    if (!canonical(branch, seen)) {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /** Writes maps with their entries sorted by key (as text); everything else as {@link GenericDatumWriter} does. */
    private static final class CanonicalWriter extends GenericDatumWriter<Object> {
        CanonicalWriter(Schema schema) {
            super(schema, GenericData.get());
        }

        @Override
        protected void writeMap(Schema schema, Object datum, Encoder out) throws IOException {
            Map<?, ?> map = (Map<?, ?>) datum;
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            entries.sort((a, b) -> a.getKey().toString().compareTo(b.getKey().toString()));
            Map<Object, Object> sorted = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : entries) {
                sorted.put(e.getKey().toString(), e.getValue());
            }
            super.writeMap(schema, sorted, out);
        }
    }
}
