package io.sluice.log.server;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Handles one Kafka API. Called on the connection's event-loop thread, one request of a connection at
 * a time and in the order they arrived, so a handler may do short work inline (an append, a read of
 * segment positions) and must hand anything that waits (durability, long polls) to its future.
 * A produce request's records must be consumed before {@code handle} returns: the connection then
 * clears them (as Kafka does) so that a request waiting for acks=all does not hold its payload.
 * A future that fails is answered with the API's error response for the exception; a future that is
 * cancelled means the client went away.
 *
 * @param <R> the request type
 */
interface ApiHandler<R extends AbstractRequest> {
    /** The response, or a future completed with null when the API sends none (produce with acks=0). */
    CompletableFuture<AbstractResponse> handle(RequestContext context, R request);

    /**
     * True when the request's work is done off the event loop and later requests of the same connection
     * must see its effects (a Metadata after a CreateTopics): the connection dispatches nothing after it
     * until its future completes, as Kafka serves a connection one request at a time.
     */
    default boolean ordersLaterRequests() {
        return false;
    }
}
