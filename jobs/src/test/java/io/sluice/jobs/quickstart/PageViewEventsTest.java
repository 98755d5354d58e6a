package io.sluice.jobs.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class PageViewEventsTest {
    private static final Instant END = Instant.parse("2026-11-25T12:00:00Z");
    private static final PageViewEvents.Options OPTIONS = PageViewEvents.Options.defaults().withEnd(END);
    private static final int N = 20_000;

    @Test
    void sameSeedGivesTheSameEventsAndAnotherSeedOthers() {
        List<GenericRecord> a = generate(OPTIONS, 2_000);
        List<GenericRecord> b = generate(OPTIONS, 2_000);
        List<GenericRecord> c = generate(OPTIONS.withSeed(43), 2_000);

        assertThat(a).isEqualTo(b);
        assertThat(a.get(0).get("event_id")).isNotEqualTo(c.get(0).get("event_id"));
    }

    @Test
    void eventIdsAreUniqueVersion4Uuids() {
        Set<String> ids = new HashSet<>();
        for (GenericRecord r : generate(OPTIONS, N)) {
            UUID id = UUID.fromString(r.get("event_id").toString());
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            ids.add(id.toString());
        }
        assertThat(ids).hasSize(N);
    }

    @Test
    void eventTimesSpreadOverTheSpanEndingAtEnd() {
        long start = END.toEpochMilli() - Duration.ofHours(6).toMillis();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        Set<Long> hours = new HashSet<>();
        for (GenericRecord r : generate(OPTIONS, N)) {
            long t = (Long) r.get("event_time");
            min = Math.min(min, t);
            max = Math.max(max, t);
            hours.add(t / 3_600_000L);
        }
        assertThat(min).isBetween(start, start + 60_000);
        assertThat(max).isBetween(END.toEpochMilli() - 60_000, END.toEpochMilli() + 1_000);
        assertThat(hours).hasSize(6);
    }

    @Test
    void aboutTwoPercentAreLateByAMinuteUpToFortyFiveMinutes() {
        long maxSoFar = Long.MIN_VALUE / 2; // no overflow in maxSoFar - 59_000
        int late = 0;
        long maxLateness = 0;
        for (GenericRecord r : generate(OPTIONS, N)) {
            long t = (Long) r.get("event_time");
            if (t < maxSoFar - 59_000) {
                late++;
                maxLateness = Math.max(maxLateness, maxSoFar - t);
            }
            maxSoFar = Math.max(maxSoFar, t);
        }
        double fraction = late / (double) N;
        assertThat(fraction).isBetween(0.015, 0.025);
        assertThat(maxLateness).isBetween(Duration.ofMinutes(30).toMillis(), Duration.ofMinutes(45).toMillis() + 1_000);
    }

    @Test
    void noLateEventsWhenTheFractionIsZero() {
        long maxSoFar = Long.MIN_VALUE / 2; // no overflow in maxSoFar - 59_000
        for (GenericRecord r : generate(OPTIONS.withLateFraction(0), 5_000)) {
            long t = (Long) r.get("event_time");
            assertThat(t).isGreaterThan(maxSoFar - 1_000);
            maxSoFar = Math.max(maxSoFar, t);
        }
    }

    @Test
    void schemaIsThePageViewRecordAndEveryEventValidatesAndRoundTrips() throws IOException {
        Schema s = PageViewEvents.SCHEMA;
        assertThat(s.getFullName()).isEqualTo("io.sluice.examples.PageView");
        assertThat(s.getFields()).extracting(Schema.Field::name).containsExactly("event_id", "user_id", "session_id", "url",
                "referrer", "country", "device", "duration_ms", "event_time");
        assertThat(s.getField("event_time").schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
        assertThat(s.getField("referrer").schema().getTypes()).extracting(Schema::getType)
                .containsExactly(Schema.Type.NULL, Schema.Type.STRING);
        assertThat(new Schema.Parser().parse(s.toString())).isEqualTo(s);

        int nullReferrers = 0;
        Set<String> devices = new HashSet<>();
        for (GenericRecord r : generate(OPTIONS, 2_000)) {
            assertThat(GenericData.get().validate(s, r)).as("valid: %s", r).isTrue();
            assertThat(roundTrip(r)).isEqualTo(r);
            nullReferrers += r.get("referrer") == null ? 1 : 0;
            devices.add(r.get("device").toString());
        }
        assertThat(nullReferrers).isBetween(600, 1_000);
        assertThat(devices).containsExactlyInAnyOrder("desktop", "mobile", "tablet", "tv");
    }

    private static List<GenericRecord> generate(PageViewEvents.Options options, int n) {
        List<GenericRecord> out = new ArrayList<>(n);
        PageViewEvents.generator(options, n).forEachRemaining(out::add);
        assertThat(out).hasSize(n);
        return out;
    }

    private static GenericRecord roundTrip(GenericRecord r) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return new GenericDatumReader<GenericRecord>(r.getSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    }
}
