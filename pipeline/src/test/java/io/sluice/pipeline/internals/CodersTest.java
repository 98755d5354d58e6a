package io.sluice.pipeline.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sink.DeadLetter;
import io.sluice.sink.FilteredRecord;
import io.sluice.sink.OffsetGap;
import io.sluice.sink.SinkRecord;
import java.io.ByteArrayInputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The coders round-trip every kind of element, nulls included, and are deterministic. */
class CodersTest {
    static final SinkRecord ROW = new SinkRecord("clicks", 2, 1234567, 1_700_000_000_000L, 1_700_000_000_123L,
            "dt=2023-11-14/hr=22", 7, new byte[] {1, 2}, new byte[] {0, 0, 0, 0, 7, 9, 9}, null);
    static final SinkRecord REWRITTEN = new SinkRecord("clicks", 0, 0, -1, 0, "id=a", 8, null,
            new byte[] {0, 0, 0, 0, 7, 9, 9}, new byte[] {4, 5, 6});
    static final DeadLetter DEAD = new DeadLetter("clicks", 1, 99, 5, null, new byte[] {42}, "bad magic", "X");
    static final DeadLetter TOMBSTONE = new DeadLetter("clicks", 1, 100, 5, new byte[] {1}, null, "null", "NullValue");

    @Test
    void sinkElementsRoundTripWithTheirPayloads() throws Exception {
        for (SinkElement e : new SinkElement[] {SinkElement.row(ROW), SinkElement.row(REWRITTEN),
                SinkElement.deadLetter(DEAD), SinkElement.deadLetter(TOMBSTONE), SinkElement.filtered(77),
                SinkElement.filtered(new FilteredRecord(78, 1_700_000_000_000L, -42L)),
                SinkElement.row(ROW).coveringFrom(1234500), SinkElement.deadLetter(DEAD).startingRead(),
                SinkElement.row(ROW).coveringFrom(1234000).startingRead(),
                SinkElement.gap(new OffsetGap(10, 99, OffsetGap.Reason.RETENTION)),
                SinkElement.gap(new OffsetGap(5, 7, OffsetGap.Reason.TRUNCATED)).startingRead()}) {
            SinkElement back = CoderUtils.clone(SinkElementCoder.of(), e);
            assertThat(back).isEqualTo(e);
            assertThat(back.offset()).isEqualTo(e.offset());
            assertThat(back.coversFrom()).isEqualTo(e.coversFrom());
            assertThat(back.startsRead()).isEqualTo(e.startsRead());
            CoderProperties.coderDeterministic(SinkElementCoder.of(), e, e);
        }
        // a filtered mark as state written before the audit holds it: tag 2, the offset alone
        assertThat(CoderUtils.decodeFromByteArray(SinkElementCoder.of(), new byte[] {2, 79}).filtered())
                .isEqualTo(FilteredRecord.unknown(79));
        SinkRecord r = CoderUtils.clone(SinkElementCoder.of(), SinkElement.row(REWRITTEN)).row();
        assertThat(r.explicitBody()).containsExactly(4, 5, 6);
        assertThat(r.rawKey()).isNull();
        assertThat(r.timestamp()).isEqualTo(-1);
        DeadLetter d = CoderUtils.clone(SinkElementCoder.of(), SinkElement.deadLetter(TOMBSTONE)).deadLetter();
        assertThat(d.rawValue()).isNull();
        assertThat(d.rawKey()).containsExactly(1);
        assertThat(d.errorClass()).isEqualTo("NullValue");
    }

    @Test
    void recordAndDeadLetterCodersRoundTrip() throws Exception {
        CoderProperties.coderDeterministic(SinkRecordCoder.of(), ROW, ROW);
        SinkRecord r = CoderUtils.clone(SinkRecordCoder.of(), ROW);
        assertThat(r.toString()).isEqualTo(ROW.toString());
        assertThat(r.rawValue()).isEqualTo(ROW.rawValue());
        assertThat(r.eventTime()).isEqualTo(ROW.eventTime());
        assertThat(CoderUtils.clone(DeadLetterCoder.of(), DEAD).reason()).isEqualTo("bad magic");
    }

    @Test
    void anUnknownTagIsRefused() {
        assertThatThrownBy(() -> SinkElementCoder.of().decode(new ByteArrayInputStream(new byte[] {9})))
                .isInstanceOf(CoderException.class).hasMessageContaining("tag 9");
    }
}
