package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.OffsetOutOfRangeException;
import io.sluice.log.PartitionLog;
import io.sluice.log.ReadResult;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.Time;

/**
 * Fetch: whole batches from each partition, never past its high watermark, sent zero-copy from the
 * segment files. A fetch that finds fewer than {@code min_bytes} waits (long poll) until a partition it
 * reads advances or {@code max_wait_ms} passes. Sessions are not kept: every response carries session
 * id 0, which clients treat as "send full fetch requests" (as Kafka does when its session cache is full).
 *
 * <p>Fetch versions 0 to 3 predate message format v2: as Kafka does, their records are down-converted
 * (with kafka-clients' {@code Records.downConvert}) to magic 0 (v0, v1) or magic 1 (v2, v3), in memory
 * rather than zero-copy; headers, producer ids and sequences are lost as they are in Kafka.
 *
 * <p>A fetch whose response future is cancelled (its connection closed) stops waiting at once.
 */
final class FetchHandler implements ApiHandler<FetchRequest> {
    private final LogManager log;
    private final FetchWaiters waiters;
    private final ServerMetrics metrics;

    FetchHandler(LogManager log, FetchWaiters waiters, ServerMetrics metrics) {
        this.log = log;
        this.waiters = waiters;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, FetchRequest request) {
        DelayedFetch fetch = new DelayedFetch(context, request.data());
        fetch.tryComplete(false);
        if (!fetch.future.isDone()) {
            fetch.await();
        }
        return fetch.future;
    }

    /** One fetch request until it is answered; its methods run on the connection's event loop. */
    private final class DelayedFetch implements FetchWaiters.Waiter {
        final RequestContext context;
        final FetchRequestData data;
        final CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
        final List<TopicPartition> partitions = new ArrayList<>();
        ScheduledFuture<?> timeout;
        /** A re-check is already queued on the event loop; high-watermark advances in between share it. */
        final java.util.concurrent.atomic.AtomicBoolean wakeQueued = new java.util.concurrent.atomic.AtomicBoolean();

        /** Bytes of records per topic in the response being built; counted once it is sent. */
        final Map<String, Long> bytesByTopic = new HashMap<>();

        DelayedFetch(RequestContext context, FetchRequestData data) {
            this.context = context;
            this.data = data;
            // Completed, timed out or cancelled by a closing connection: stop waiting either way.
            future.whenComplete((r, t) -> stopWaiting());
        }

        private void stopWaiting() {
            if (timeout != null) {
                timeout.cancel(false);
            }
            partitions.forEach(tp -> waiters.remove(tp, this));
        }

        void await() {
            for (FetchRequestData.FetchTopic t : data.topics()) {
                String name = t.topic();
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    if (name != null && !name.isEmpty()) {
                        partitions.add(new TopicPartition(name, p.partition()));
                    }
                }
            }
            if (context.apiVersion() >= 13) {
                partitions.clear();
                Map<Uuid, String> names = topicNames();
                for (FetchRequestData.FetchTopic t : data.topics()) {
                    String name = names.get(t.topicId());
                    if (name != null) {
                        t.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
                    }
                }
            }
            partitions.forEach(tp -> waiters.add(tp, this));
            timeout = context.eventLoop().schedule(() -> tryComplete(true), Math.max(0, data.maxWaitMs()),
                    TimeUnit.MILLISECONDS);
            tryComplete(false); // data may have arrived between the first try and registering
        }

        @Override
        public void wake() {
            if (!wakeQueued.compareAndSet(false, true)) {
                return;
            }
            try {
                context.eventLoop().execute(() -> {
                    wakeQueued.set(false);
                    tryComplete(false);
                });
            } catch (RejectedExecutionException e) {
                // The server is shutting down; this runs on the log's flusher, which must not fail for it.
                stopWaiting();
            }
        }

        void tryComplete(boolean force) {
            if (future.isDone()) {
                return;
            }
            FetchResponseData response = read();
            long bytes = 0;
            boolean error = false;
            for (FetchableTopicResponse t : response.responses()) {
                for (PartitionData p : t.partitions()) {
                    bytes += p.records() == null ? 0 : p.records().sizeInBytes();
                    error |= p.errorCode() != Errors.NONE.code();
                }
            }
            if (force || error || bytes >= data.minBytes() || data.maxWaitMs() <= 0 || data.topics().isEmpty()) {
                // counted first: completing writes the response (on this event loop, so not yet done)
                bytesByTopic.forEach(metrics::topicBytesOut);
                future.complete(new FetchResponse(response));
            }
        }

        private FetchResponseData read() {
            bytesByTopic.clear();
            boolean byId = context.apiVersion() >= 13;
            Map<Uuid, String> names = byId ? topicNames() : Map.of();
            FetchResponseData response = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0)
                    .setThrottleTimeMs(0);
            int remaining = data.maxBytes() <= 0 ? Integer.MAX_VALUE : data.maxBytes();
            boolean first = true;
            for (FetchRequestData.FetchTopic t : data.topics()) {
                String name = byId ? names.get(t.topicId()) : t.topic();
                FetchableTopicResponse tr = new FetchableTopicResponse().setTopic(byId ? "" : t.topic())
                        .setTopicId(t.topicId());
                response.responses().add(tr);
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    PartitionData pd = new PartitionData().setPartitionIndex(p.partition()).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1).setPreferredReadReplica(-1)
                            .setRecords(MemoryRecords.EMPTY).setAbortedTransactions(null);
                    tr.partitions().add(pd);
                    if (name == null) {
                        pd.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                        continue;
                    }
                    try {
                        PartitionLog partition = log.partition(name, p.partition());
                        if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != partition.leaderEpoch()) {
                            pd.setErrorCode((p.currentLeaderEpoch() > partition.leaderEpoch()
                                    ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH).code());
                            continue;
                        }
                        int limit = Math.min(p.partitionMaxBytes() <= 0 ? Integer.MAX_VALUE : p.partitionMaxBytes(),
                                remaining);
                        ReadResult r = partition.read(p.fetchOffset(), Math.max(1, limit));
                        Records records = r.records();
                        if (!first && records.sizeInBytes() > limit) {
                            records = MemoryRecords.EMPTY; // only the first partition may exceed max_bytes (KIP-74)
                        }
                        if (records.sizeInBytes() > 0) {
                            first = false;
                            remaining = Math.max(0, remaining - records.sizeInBytes());
                            bytesByTopic.merge(name, (long) records.sizeInBytes(), Long::sum);
                            if (context.apiVersion() <= 3) {
                                records = downConvert(records, p.fetchOffset());
                            }
                        }
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(r.highWatermark())
                                .setLastStableOffset(r.highWatermark()).setLogStartOffset(r.logStartOffset())
                                .setRecords(records);
                    } catch (OffsetOutOfRangeException e) {
                        pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(e.highWatermark())
                                .setLastStableOffset(e.highWatermark()).setLogStartOffset(e.logStartOffset());
                    } catch (LogException e) {
                        pd.setErrorCode(ErrorMapping.of(e).code());
                    }
                }
            }
            return response;
        }

        /** Message format v2 rewritten for the fetch versions that cannot read it, as Kafka does. */
        private Records downConvert(Records records, long fetchOffset) {
            byte magic = context.apiVersion() <= 1 ? RecordBatch.MAGIC_VALUE_V0 : RecordBatch.MAGIC_VALUE_V1;
            return records.downConvert(magic, fetchOffset, Time.SYSTEM).records();
        }

        private Map<Uuid, String> topicNames() {
            Map<Uuid, String> names = new HashMap<>();
            for (TopicDescription t : log.topics()) {
                names.put(t.topicId(), t.name());
            }
            return names;
        }
    }
}
