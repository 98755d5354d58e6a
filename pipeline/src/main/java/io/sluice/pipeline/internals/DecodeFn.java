package io.sluice.pipeline.internals;

import io.sluice.pipeline.RecordTransform;
import io.sluice.pipeline.TableResolver;
import io.sluice.sink.OffsetGap;
import io.sluice.sink.TableSpec;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * The decode step: each source record becomes one {@link SinkElement} (row, dead letter or filtered mark) keyed by
 * {@link CommitKey} (table, topic, partition), so the commit step sees every offset of a source partition in one
 * place, with the first offset each covers (see {@link JournalStartConsumer}); a record that marks offsets missing
 * from the log becomes a gap element. Rows and dead letters share one output on purpose: a dead letter must be committed in the same journal
 * entry as the rows of its offset range, or a restart could lose it or write it twice.
 *
 * <p>The work is in {@link RecordDecoder}; this class binds it to Beam and counts.
 */
public final class DecodeFn extends DoFn<KafkaRecord<byte[], byte[]>, KV<String, SinkElement>> {
    private static final long serialVersionUID = 1L;

    private final String registryUrl;
    private final TableResolver tables;
    private final RecordTransform transform;
    private transient RecordDecoder decoder;

    public DecodeFn(String registryUrl, TableResolver tables, RecordTransform transform) {
        this.registryUrl = registryUrl;
        this.tables = tables;
        this.transform = transform;
    }

    @Setup
    public void setup() {
        decoder = new RecordDecoder(Registries.client(registryUrl), transform);
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], byte[]> r, OutputReceiver<KV<String, SinkElement>> out) {
        TableSpec table = tables.tableFor(r.getTopic());
        String key = CommitKey.of(table.name(), r.getTopic(), r.getPartition());
        OffsetGap gap = JournalStartConsumer.gapOf(r.getHeaders());
        if (gap != null) {
            PipelineMetrics.count(PipelineMetrics.OFFSETS_MISSING_FROM_LOG, gap.size());
            SinkElement g = SinkElement.gap(gap);
            out.output(KV.of(key, JournalStartConsumer.startsRead(r.getHeaders()) ? g.startingRead() : g));
            return;
        }
        SinkElement e = decoder.decode(table, r.getTopic(), r.getPartition(), r.getOffset(), r.getTimestamp(),
                r.getKV().getKey(), r.getKV().getValue());
        switch (e.kind()) {
            case ROW -> PipelineMetrics.count(PipelineMetrics.RECORDS_DECODED, 1);
            case FILTERED -> PipelineMetrics.count(PipelineMetrics.RECORDS_FILTERED, 1);
            case DEAD_LETTER -> PipelineMetrics.deadLetter(e.deadLetter().errorClass());
            case GAP -> throw new IllegalStateException("the decoder made a gap of " + r);
        }
        long coversFrom = JournalStartConsumer.coversFrom(r.getHeaders(), r.getOffset());
        SinkElement covering = coversFrom < r.getOffset() ? e.coveringFrom(coversFrom) : e;
        out.output(KV.of(key, JournalStartConsumer.startsRead(r.getHeaders()) ? covering.startingRead() : covering));
    }
}
