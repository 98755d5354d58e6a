package io.sluice.log.server;

/**
 * Completes a handler's future when the protocol's answer is to close the connection rather than to send a
 * response: a Produce with acks=0 that failed on some partition, which Kafka signals that way because the
 * client reads no response (the client then refreshes its metadata and reconnects).
 */
final class CloseConnectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CloseConnectionException(String reason) {
        super(reason, null, false, false);
    }
}
