package io.sluice.log.server;

import io.sluice.log.AppendResult;
import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce: appends each partition's batches. acks=0 sends no response, acks=1 answers once the batches
 * are written, acks=all (-1) once they are durable (below the high watermark), or REQUEST_TIMED_OUT
 * after the request's timeout. Errors are per partition and never fail the other partitions.
 */
final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);

    private final LogManager log;
    private final ServerMetrics metrics;

    ProduceHandler(LogManager log, ServerMetrics metrics) {
        this.log = log;
        this.metrics = metrics;
    }

    private record Outcome(String topic, PartitionProduceResponse response, CompletableFuture<Void> durable) {
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ProduceRequest request) {
        ProduceRequestData data = request.data();
        short acks = data.acks();
        List<Outcome> outcomes = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            for (ProduceRequestData.PartitionProduceData p : topic.partitionData()) {
                outcomes.add(append(topic.name(), p, acks == -1, data.transactionalId() != null,
                        context.apiVersion()));
            }
        }
        if (acks == 0) {
            for (Outcome o : outcomes) {
                if (o.response().errorCode() != Errors.NONE.code()) {
                    // No response is read with acks=0: closing the connection is how Kafka reports the error.
                    return CompletableFuture.failedFuture(new CloseConnectionException("acks=0 produce to "
                            + o.topic() + "-" + o.response().index() + " failed with "
                            + Errors.forCode(o.response().errorCode())));
                }
            }
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<?>[] waits = outcomes.stream().map(Outcome::durable).toArray(CompletableFuture[]::new);
        CompletableFuture<Void> all = CompletableFuture.allOf(waits);
        if (!all.isDone()) {
            all = all.orTimeout(Math.max(1, data.timeoutMs()), TimeUnit.MILLISECONDS);
        }
        return all.handle((v, t) -> {
            ProduceResponseData response = new ProduceResponseData();
            for (Outcome o : outcomes) {
                if (o.durable().isCompletedExceptionally() || (t != null && !o.durable().isDone())) {
                    Errors e = o.durable().isDone() ? ErrorMapping.of(o.durable().handle((x, ex) -> ex).join()) : Errors.REQUEST_TIMED_OUT;
                    o.response().setErrorCode(e.code()).setBaseOffset(-1).setErrorMessage(e.message());
                }
                TopicProduceResponse tr = response.responses().find(o.topic());
                if (tr == null) {
                    tr = new TopicProduceResponse().setName(o.topic());
                    response.responses().add(tr);
                }
                tr.partitionResponses().add(o.response());
            }
            return new ProduceResponse(response);
        });
    }

    private Outcome append(String topic, ProduceRequestData.PartitionProduceData p, boolean waitDurable,
                           boolean transactional, short version) {
        PartitionProduceResponse r = new PartitionProduceResponse().setIndex(p.index()).setBaseOffset(-1)
                .setLogAppendTimeMs(-1).setLogStartOffset(-1);
        if (p.records() == null) {
            // The schema allows it, no client sends it; Kafka 3.9.1 fails on it and never answers. Sluice
            // refuses the partition: there is nothing to append.
            return new Outcome(topic, r.setErrorCode(Errors.INVALID_RECORD.code())
                    .setErrorMessage("no records (null) for partition " + p.index()), CompletableFuture.completedFuture(null));
        }
        if (transactional) {
            return new Outcome(topic, r.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setErrorMessage("transactions are not supported by Sluice"), CompletableFuture.completedFuture(null));
        }
        if (Topic.isInternal(topic)) {
            // as Kafka: only the broker writes __consumer_offsets (its records are replayed at start)
            return new Outcome(topic, r.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code())
                    .setErrorMessage("cannot append to internal topic " + topic), CompletableFuture.completedFuture(null));
        }
        try {
            // Kafka's own check: v3+ carries exactly one magic-v2 batch, zstd only from v7.
            ProduceRequest.validateRecords(version, p.records());
            PartitionLog partition = log.partition(topic, p.index());
            MemoryRecords records = (MemoryRecords) p.records();
            AppendResult result = partition.append(records);
            r.setBaseOffset(result.firstOffset()).setLogAppendTimeMs(result.logAppendTimeMs())
                    .setLogStartOffset(partition.logStartOffset()).setErrorCode(Errors.NONE.code());
            if (!result.duplicate()) {
                metrics.topicBytesIn(topic, records.sizeInBytes(), result.lastOffset() - result.firstOffset() + 1);
            }
            CompletableFuture<Void> durable = waitDurable ? partition.awaitDurable(result.lastOffset())
                    : CompletableFuture.completedFuture(null);
            return new Outcome(topic, r, durable);
        } catch (LogException | ApiException | ClassCastException e) {
            Errors error = ErrorMapping.of(e);
            LOG.debug("Produce to {}-{} refused: {}", topic, p.index(), e.getMessage());
            return new Outcome(topic, r.setErrorCode(error.code()).setErrorMessage(e.getMessage()),
                    CompletableFuture.completedFuture(null));
        }
    }
}
