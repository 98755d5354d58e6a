package io.sluice.log.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.message.FetchResponseData;

/** Requests built with kafka-clients' own classes, at a chosen version, for the raw-socket tests. */
final class Requests {
    private Requests() {
    }

    static ApiVersionsRequest apiVersions(short version) {
        return new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("sluice-raw-test")
                .setClientSoftwareVersion("1.0"), version);
    }

    static ProduceRequest produce(String topic, int partition, BaseRecords records, short acks, short version) {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records))))
                        .iterator()));
        return new ProduceRequest(data, version);
    }

    static FetchRequest fetch(Uuid topicId, String topic, int partition, long offset, int maxWaitMs, int minBytes,
                              short version) {
        FetchRequest.PartitionData pd = new FetchRequest.PartitionData(topicId, offset, -1, 1024 * 1024, Optional.empty());
        return FetchRequest.Builder.forConsumer(version, maxWaitMs, minBytes,
                Map.of(new TopicPartition(topic, partition), pd)).build(version);
    }

    static short latest(ApiKeys api) {
        return api.latestVersion(false);
    }

    /** The single partition of a single-topic fetch response. */
    static FetchResponseData.PartitionData onlyPartition(FetchResponse response) {
        List<FetchResponseData.FetchableTopicResponse> topics = response.data().responses();
        if (topics.size() != 1 || topics.get(0).partitions().size() != 1) {
            throw new AssertionError("expected one topic with one partition in " + response.data());
        }
        return topics.get(0).partitions().get(0);
    }

    /** Values (UTF-8) of every record in the partition's records, with the batches' magic checked. */
    static List<String> values(FetchResponseData.PartitionData partition, byte expectedMagic) {
        Records records = FetchResponse.recordsOrFail(partition);
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : records.batches()) {
            if (batch.magic() != expectedMagic) {
                throw new AssertionError("batch at offset " + batch.baseOffset() + " has magic " + batch.magic()
                        + ", expected " + expectedMagic);
            }
            for (Record r : batch) {
                values.add(r.hasValue() ? StandardCharsets.UTF_8.decode(r.value()).toString() : null);
            }
        }
        return values;
    }
}
