package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection handler on Netty's EmbeddedChannel, with handlers that fail in each way a handler can:
 * what the client gets, and that the responses keep request order.
 */
class ConnectionHandlerTest {
    final LogCapture logs = new LogCapture();
    final ApiDispatcher dispatcher = new ApiDispatcher();
    final MetricRegistry registry = new MetricRegistry();
    EmbeddedChannel channel;
    int correlationId;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        logs.close();
    }

    void open() {
        dispatcher.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(dispatcher));
        ConnectionMemory memory = new ConnectionMemory(new RequestMemoryPool(64L * 1024 * 1024), 1024 * 1024);
        channel = new EmbeddedChannel(new KafkaFrameDecoder(1024 * 1024, memory, 30_000),
                new ConnectionHandler(dispatcher, new ServerMetrics(registry), memory));
    }

    RequestHeader send(AbstractRequest request) {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "test", ++correlationId);
        channel.writeInbound(Unpooled.wrappedBuffer(RawKafkaConnection.frame(header, request)));
        channel.runPendingTasks();
        return header;
    }

    /** The next response written, parsed as the answer to {@code header}; null when none was written. */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R response(RequestHeader header) throws IOException {
        FileRegion region = channel.readOutbound();
        if (region == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WritableByteChannel out = Channels.newChannel(bytes);
        while (region.transferred() < region.count()) {
            region.transferTo(out, region.transferred());
        }
        region.release();
        ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
        buffer.getInt(); // size
        return (R) AbstractResponse.parseResponse(buffer, header);
    }

    static InitProducerIdRequest initProducerId() {
        return new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(1000)).build((short) 4);
    }

    @Test
    void handlerThatThrowsIsAnsweredWithUnknownServerErrorAndTheConnectionGoesOn() throws IOException {
        dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (context, request) -> {
            throw new IllegalStateException("boom");
        });
        open();
        RequestHeader failing = send(initProducerId());
        RequestHeader next = send(Requests.apiVersions((short) 3));
        InitProducerIdResponse answer = response(failing);
        assertThat(answer.error()).as("error answering a handler that threw").isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        ApiVersionsResponse versions = response(next);
        assertThat(versions.data().errorCode()).as("error of the next request").isZero();
        assertThat(channel.isOpen()).as("connection open").isTrue();
    }

    @Test
    void futureFailingLaterIsAnsweredWithTheErrorInRequestOrder() throws IOException {
        CompletableFuture<AbstractResponse> later = new CompletableFuture<>();
        dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (context, request) -> later);
        open();
        RequestHeader failing = send(initProducerId());
        RequestHeader next = send(Requests.apiVersions((short) 3));
        assertThat((Object) channel.readOutbound()).as("response written before the first one is ready").isNull();
        later.completeExceptionally(new org.apache.kafka.common.errors.CoordinatorNotAvailableException("not yet"));
        channel.runPendingTasks();
        InitProducerIdResponse answer = response(failing);
        assertThat(answer.error()).as("error of the failed future").isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        ApiVersionsResponse versions = response(next);
        assertThat(versions.data().errorCode()).as("error of the request behind it").isZero();
    }

    @Test
    void responseThatCannotBeWrittenClosesTheConnectionWithOneLogLine() throws IOException {
        dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (context, request) ->
                CompletableFuture.completedFuture(new UnwritableResponse()));
        open();
        // the request and one behind it, in one read
        RequestHeader broken = new RequestHeader(ApiKeys.INIT_PRODUCER_ID, (short) 4, "test", 1);
        RequestHeader behind = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", 2);
        channel.writeInbound(Unpooled.wrappedBuffer(RawKafkaConnection.frame(broken, initProducerId()),
                RawKafkaConnection.frame(behind, Requests.apiVersions((short) 3))));
        assertThat((Object) response(broken)).as("response written for an unwritable answer or after it").isNull();
        assertThat(channel.isOpen()).as("connection open after an unwritable answer").isFalse();
        assertThat(logs.warnings()).as("warnings").singleElement().asString().contains("cannot answer INIT_PRODUCER_ID");
    }

    @Test
    void pendingResponsesAreCancelledWhenTheConnectionCloses() {
        CompletableFuture<AbstractResponse> never = new CompletableFuture<>();
        dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (context, request) -> never);
        open();
        send(initProducerId());
        send(initProducerId());
        channel.close();
        assertThat(never.isCancelled()).as("pending response cancelled when the client left").isTrue();
        assertThat(registry.counter("sluice.server.connections").getCount()).as("active connections").isZero();
        assertThat(logs.warnings()).as("warnings").isEmpty();
    }

    @Test
    void stopsReadingWhileTooManyResponsesArePendingAndResumesWhenTheyAreAnswered() throws IOException {
        java.util.List<CompletableFuture<AbstractResponse>> waiting = new java.util.ArrayList<>();
        dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (context, request) -> {
            CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
            waiting.add(f);
            return f;
        });
        open();
        java.util.List<RequestHeader> headers = new java.util.ArrayList<>();
        for (int i = 0; i < ConnectionHandler.MAX_PENDING - 1; i++) {
            headers.add(send(initProducerId()));
        }
        assertThat(channel.config().isAutoRead()).as("reading with %d pending", ConnectionHandler.MAX_PENDING - 1).isTrue();
        headers.add(send(initProducerId()));
        assertThat(channel.config().isAutoRead()).as("reading with %d pending", ConnectionHandler.MAX_PENDING).isFalse();
        for (int i = 0; i < waiting.size(); i++) {
            waiting.get(i).complete(new InitProducerIdResponse(new org.apache.kafka.common.message.InitProducerIdResponseData()
                    .setProducerId(i)));
        }
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).as("reading once every response is written").isTrue();
        for (int i = 0; i < headers.size(); i++) {
            InitProducerIdResponse r = response(headers.get(i));
            assertThat(r.data().producerId()).as("producer id of response %d", i).isEqualTo(i);
        }
    }

    @Test
    void framesAfterABadOneInTheSameReadAreNotHandled() {
        open();
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", 1);
        byte[] good = RawKafkaConnection.frame(header, Requests.apiVersions((short) 3));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 1, 2}, good, good));
        assertThat((Object) channel.readOutbound()).as("response after a bad frame").isNull();
        assertThat(channel.isOpen()).as("connection open after a bad frame").isFalse();
        assertThat(logs.warnings()).as("warnings").hasSize(1);
    }

    /** A response whose body cannot be produced. */
    static final class UnwritableResponse extends AbstractResponse {
        UnwritableResponse() {
            super(ApiKeys.INIT_PRODUCER_ID);
        }

        @Override
        public ApiMessage data() {
            throw new IllegalStateException("cannot serialize");
        }

        @Override
        public Map<Errors, Integer> errorCounts() {
            return Map.of();
        }

        @Override
        public int throttleTimeMs() {
            return 0;
        }

        @Override
        public void maybeSetThrottleTimeMs(int throttleTimeMs) {
        }
    }

}
