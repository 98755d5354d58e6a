package io.sluice.log.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A Kafka client on a plain {@link Socket} to 127.0.0.1: requests are serialized with kafka-clients' own
 * classes (or written as raw bytes), framed with a 4-byte size, and responses parsed with
 * {@link AbstractResponse#parseResponse(ByteBuffer, RequestHeader)}. Every read times out after
 * {@link #READ_TIMEOUT_MS}, so a server that hangs fails the test instead of blocking it.
 */
final class RawKafkaConnection implements AutoCloseable {
    static final int READ_TIMEOUT_MS = 10_000;
    static final String CLIENT_ID = "raw-test";

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    RawKafkaConnection(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** This end's port: the server logs the connection as {@code /127.0.0.1:<localPort>}. */
    int localPort() {
        return socket.getLocalPort();
    }

    int nextCorrelationId() {
        return nextCorrelationId++;
    }

    /** The header the next request will carry. */
    RequestHeader header(AbstractRequest request) {
        return new RequestHeader(request.apiKey(), request.version(), CLIENT_ID, nextCorrelationId());
    }

    /** Serializes header + request as one size-prefixed frame. */
    static byte[] frame(RequestHeader header, AbstractRequest request) {
        return frame(request.serializeWithHeader(header));
    }

    static byte[] frame(ByteBuffer payload) {
        ByteBuffer framed = ByteBuffer.allocate(4 + payload.remaining());
        framed.putInt(payload.remaining()).put(payload.duplicate()).flip();
        return framed.array();
    }

    /** Sends {@code request} at its version and returns the header it was sent with. */
    RequestHeader send(AbstractRequest request) throws IOException {
        RequestHeader header = header(request);
        write(frame(header, request));
        return header;
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one response frame (without its size). */
    ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        assertThat(size).as("response frame size").isBetween(0, 64 * 1024 * 1024);
        byte[] body = new byte[size];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /** Reads the response to {@code header} (the correlation id must match). */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R receive(RequestHeader header) throws IOException {
        return (R) AbstractResponse.parseResponse(readFrame(), header);
    }

    <R extends AbstractResponse> R roundTrip(AbstractRequest request) throws IOException {
        return receive(send(request));
    }

    /**
     * True when the server closed the connection (end of stream or reset) before sending anything;
     * false when a byte arrived. A read that times out fails: the server neither answered nor closed.
     */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed the connection within "
                    + READ_TIMEOUT_MS + " ms", e);
        } catch (EOFException | SocketException e) {
            return true; // reset: the server closed with our bytes unread
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
