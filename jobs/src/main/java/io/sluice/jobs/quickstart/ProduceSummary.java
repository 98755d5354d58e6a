package io.sluice.jobs.quickstart;

import java.time.Duration;
import java.util.Map;

/**
 * What {@link PageViewEvents#produce} wrote.
 *
 * @param count          records acknowledged by the log
 * @param minEventTime   smallest event_time (epoch millis), {@code Long.MAX_VALUE} when nothing was produced
 * @param maxEventTime   largest event_time (epoch millis), {@code Long.MIN_VALUE} when nothing was produced
 * @param lastOffsets    per partition: the offset of the last acknowledged record
 * @param valueBytes     sum of the serialized value sizes (registry header included)
 * @param elapsed        wall time from the first send to the last acknowledgement
 */
public record ProduceSummary(long count, long minEventTime, long maxEventTime, Map<Integer, Long> lastOffsets,
                             long valueBytes, Duration elapsed) {
    public ProduceSummary {
        lastOffsets = Map.copyOf(lastOffsets);
    }

    /** Per partition: the log end offset after this produce (last offset + 1); what a consumer reads up to. */
    public Map<Integer, Long> endOffsets() {
        Map<Integer, Long> end = new java.util.TreeMap<>();
        lastOffsets.forEach((p, o) -> end.put(p, o + 1));
        return end;
    }
}
