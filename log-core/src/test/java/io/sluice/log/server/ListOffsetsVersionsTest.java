package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListOffsets answered at every version Kafka 3.9 has: each response must be writable at the request's
 * version (librdkafka, for one, asks with v2, which has no leader epoch) and carry the offset where that
 * version keeps it.
 */
class ListOffsetsVersionsTest {
    @TempDir
    Path dir;

    @Test
    void everyVersionWritesItsResponseWithTheLatestOffset() throws Exception {
        // given: 3 durable records in t-0
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir))) {
            log.createTopic("t", 1, Map.of());
            log.partition("t", 0).append(Batches.of(1_000L, "a", "b", "c"));
            log.partition("t", 0).awaitDurable(2).get();
            ListOffsetsHandler handler = new ListOffsetsHandler(log);

            for (short v = ApiKeys.LIST_OFFSETS.oldestVersion(); v <= ApiKeys.LIST_OFFSETS.latestVersion(); v++) {
                // when: a client asks for the latest offset at version v
                ListOffsetsRequestData data = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                        new ListOffsetsRequestData.ListOffsetsTopic().setName("t").setPartitions(List.of(
                                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                                        .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)))));
                ListOffsetsRequest request = (ListOffsetsRequest) AbstractRequest.parseRequest(ApiKeys.LIST_OFFSETS, v,
                        MessageUtil.toByteBuffer(data, v)).request;
                ListOffsetsResponse response = (ListOffsetsResponse) handler.handle(
                        new RequestContext(new RequestHeader(ApiKeys.LIST_OFFSETS, v, "test", 1), null, "test"),
                        request).get();
                ByteBuffer written = MessageUtil.toByteBuffer(response.data(), v); // throws if a field does not fit v

                // then
                ListOffsetsPartitionResponse p = ListOffsetsResponse.parse(written, v).data().topics().get(0)
                        .partitions().get(0);
                assertThat(p.errorCode()).as("error at v%d", v).isEqualTo(Errors.NONE.code());
                if (v == 0) {
                    assertThat(p.oldStyleOffsets()).as("offsets at v0").containsExactly(3L);
                } else {
                    assertThat(p.offset()).as("offset at v%d", v).isEqualTo(3L);
                }
                assertThat(p.leaderEpoch()).as("leader epoch at v%d", v).isEqualTo(v >= 4 ? 0 : -1);
            }
        }
    }
}
