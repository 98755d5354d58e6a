package io.sluice.log.server;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that creates and deletes topics and partitions, off the network threads: that work opens,
 * fsyncs and removes files per partition, and on an event loop it would stall every connection the loop
 * serves. One thread, so administration applies in the order requests arrive, whichever connection
 * sent them.
 */
final class AdminExecutor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminExecutor.class);
    private final ExecutorService thread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-kafka-admin", true));

    /** Runs {@code work} on the admin thread; fails with a retriable error once the server is closing. */
    <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new BrokerNotAvailableException("the server is shutting down"));
        }
    }

    /**
     * Lets accepted operations finish for up to 5 s (each is bounded: see CreateTopicsHandler), then
     * interrupts: an interrupted creation removes what it made, and nothing was acknowledged.
     */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Topic administration still running after 5 s at shutdown: interrupting it");
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
