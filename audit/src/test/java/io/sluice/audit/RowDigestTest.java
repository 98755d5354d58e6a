package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class RowDigestTest {
    private static final Schema FLAT = SchemaBuilder.record("Flat").fields()
            .requiredString("id").optionalLong("n").endRecord();
    private static final Schema WITH_MAP = SchemaBuilder.record("Tagged").fields()
            .requiredString("id").name("tags").type().map().values().stringType().noDefault().endRecord();

    @Test
    void flatRowHashesItsWrittenBytesAsItsDecodedForm() throws IOException {
        GenericRecord r = new GenericData.Record(FLAT);
        r.put("id", "a");
        r.put("n", 7L);
        byte[] bytes = encode(r);

        GenericRecord decoded = decode(FLAT, bytes);

        assertThat(RowDigest.encodingIsCanonical(FLAT)).isTrue();
        assertThat(RowDigest.of(decoded, FLAT)).isEqualTo(RowDigest.ofEncoded(bytes, 0, bytes.length));
    }

    @Test
    void mapEntriesInAnyOrderHashTheSame() throws IOException {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        GenericRecord one = new GenericData.Record(WITH_MAP);
        one.put("id", "x");
        one.put("tags", ab);
        GenericRecord other = new GenericData.Record(WITH_MAP);
        other.put("id", "x");
        other.put("tags", ba);

        assertThat(RowDigest.encodingIsCanonical(WITH_MAP)).isFalse();
        assertThat(RowDigest.of(decode(WITH_MAP, encode(one)), WITH_MAP))
                .isEqualTo(RowDigest.of(other, WITH_MAP))
                .isNotEqualTo(RowDigest.of(withTag(other, "a", "changed"), WITH_MAP));
        assertThat(RowDigest.encodingIsCanonical(SchemaBuilder.record("L").fields()
                .name("xs").type().array().items().intType().noDefault().endRecord())).isFalse();
        assertThat(List.of(RowDigest.encodingIsCanonical(Schema.create(Schema.Type.STRING)))).containsExactly(true);
    }

    private static GenericRecord withTag(GenericRecord r, String key, String value) {
        GenericRecord copy = new GenericData.Record(WITH_MAP);
        copy.put("id", r.get("id"));
        @SuppressWarnings("unchecked")
        Map<String, String> tags = new LinkedHashMap<>((Map<String, String>) r.get("tags"));
        tags.put(key, value);
        copy.put("tags", tags);
        return copy;
    }

    private static byte[] encode(GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static GenericRecord decode(Schema s, byte[] bytes) throws IOException {
        return new GenericDatumReader<GenericRecord>(s).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
