package io.sluice.log.server;

import io.sluice.log.LogException;
import io.sluice.log.LogManager;
import io.sluice.log.PartitionLog;
import io.sluice.log.TimestampOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/**
 * ListOffsets: earliest (the log start), latest (the high watermark, which is also the last stable
 * offset since there are no transactions), the offset of the largest timestamp, or the first offset
 * whose timestamp is at or after a given time (offset -1 when there is none, as Kafka answers).
 */
final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
    private final LogManager log;

    ListOffsetsHandler(LogManager log) {
        this.log = log;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ListOffsetsRequest request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData().setThrottleTimeMs(0);
        for (ListOffsetsRequestData.ListOffsetsTopic t : request.data().topics()) {
            ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
            response.topics().add(tr);
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                tr.partitions().add(lookup(t.name(), p, context.apiVersion()));
            }
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponse(response));
    }

    private ListOffsetsPartitionResponse lookup(String topic, ListOffsetsRequestData.ListOffsetsPartition p, short version) {
        ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        try {
            PartitionLog partition = log.partition(topic, p.partitionIndex());
            if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != partition.leaderEpoch()) {
                return r.setErrorCode((p.currentLeaderEpoch() > partition.leaderEpoch()
                        ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH).code());
            }
            long ts = p.timestamp();
            long offset;
            long foundTs = -1;
            if (ts == ListOffsetsRequest.LATEST_TIMESTAMP) {
                offset = partition.highWatermark();
            } else if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                offset = partition.logStartOffset();
            } else if (ts == ListOffsetsRequest.MAX_TIMESTAMP) {
                OptionalLong max = partition.maxTimestamp();
                Optional<TimestampOffset> found = max.isPresent() ? partition.offsetForTimestamp(max.getAsLong())
                        : Optional.empty();
                offset = found.map(TimestampOffset::offset).orElse(-1L);
                foundTs = found.map(TimestampOffset::timestamp).orElse(-1L);
            } else if (ts < 0) {
                offset = -1; // LATEST_TIERED and future special values: nothing is tiered here
            } else {
                Optional<TimestampOffset> found = partition.offsetForTimestamp(ts);
                offset = found.map(TimestampOffset::offset).orElse(-1L);
                foundTs = found.map(TimestampOffset::timestamp).orElse(-1L);
            }
            r.setErrorCode(Errors.NONE.code());
            // Each field only at the versions that have it: writing a non-default value at another version fails.
            if (version == 0) {
                r.setOldStyleOffsets(offset >= 0 ? List.of(offset) : List.of());
            } else {
                r.setOffset(offset).setTimestamp(foundTs);
                if (version >= 4) {
                    r.setLeaderEpoch(offset >= 0 ? partition.leaderEpoch() : -1);
                }
            }
            return r;
        } catch (LogException e) {
            return r.setErrorCode(ErrorMapping.of(e).code());
        }
    }
}
