package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.Batches;
import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic deleted while a large zero-copy fetch response from its segment is still being sent (the client
 * reads slowly): the response arrives whole, because the deleted partition's files stay open until they are
 * deleted (file.delete.delay.ms later), instead of the connection failing half way through the frame.
 */
class DeleteTopicDuringFetchTest {
    @TempDir
    Path dir;

    @Test
    void aFetchResponseBeingSentWhenItsTopicIsDeletedArrivesWhole() throws Exception {
        try (LogManager log = LogManager.open(LogManagerConfig.defaults(dir));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults("127.0.0.1", 0), log)) {
            log.createTopic("big", 1, Map.of());
            PartitionLog p = log.partition("big", 0);
            for (int i = 0; i < 400; i++) {
                p.append(Batches.sized(1, 20_000, 1000L + i, Compression.NONE));
            }
            p.awaitDurable(399).get();
            short version = Requests.latest(ApiKeys.FETCH);
            FetchRequest.PartitionData pd = new FetchRequest.PartitionData(p.topicId(), 0, -1, 32 * 1024 * 1024,
                    Optional.empty());
            FetchRequest fetch = FetchRequest.Builder.forConsumer(version, 0, 1,
                    Map.of(new TopicPartition("big", 0), pd)).setMaxBytes(32 * 1024 * 1024).build(version);

            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(16 * 1024); // the client reads slowly: the response waits in the server
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                s.setSoTimeout(20_000);
                RequestHeader header = new RequestHeader(ApiKeys.FETCH, version, "slow", 1);
                OutputStream out = s.getOutputStream();
                out.write(RawKafkaConnection.frame(header, fetch));
                out.flush();
                // the server has started writing the ~8 MB response and is waiting for room
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                        server.metrics().meter("sluice.server.bytes-out").getCount() > 4 * 1024 * 1024);

                log.deleteTopic("big");

                DataInputStream in = new DataInputStream(s.getInputStream());
                int size = in.readInt();
                byte[] body = new byte[size];
                in.readFully(body); // before: the connection closed part way (the segment's channel was closed)
                FetchResponse r = (FetchResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
                var partition = Requests.onlyPartition(r);
                assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
                long batches = 0;
                for (RecordBatch b : org.apache.kafka.common.record.MemoryRecords.readableRecords(
                        ((org.apache.kafka.common.record.MemoryRecords) partition.records()).buffer()).batches()) {
                    b.ensureValid();
                    batches++;
                }
                assertThat(batches).as("batches in the response").isEqualTo(400);
            }
        }
    }
}
