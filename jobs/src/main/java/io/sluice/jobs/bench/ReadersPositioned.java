package io.sluice.jobs.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Tells when the pipeline's Kafka readers have every partition of a topic assigned and positioned: the pipeline's
 * counterpart of {@link PlainLoopIngest#onReady}, for the latency mode, where the producer must not start while the
 * embedded Flink is still launching (that wait would be counted as latency).
 *
 * <p>The pipeline has no callback for it, so this listens to the one INFO line its reading consumer logs right after
 * {@code assign()} and the journal seek ({@code io.sluice.pipeline.internals.JournalStartConsumer}: "reading from the
 * journal positions [topic-p@offset, …]"), whose first argument lists the partitions. If that line changes,
 * {@link #await} times out with a message naming it, rather than the bench measuring something else.
 * Embedded Flink loads logging classes parent-first, so the line reaches this JVM's logback.
 */
final class ReadersPositioned extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    static final String LOGGER = "io.sluice.pipeline.internals.JournalStartConsumer";

    private final String topic;
    private final int partitions;
    private final Set<String> positioned = ConcurrentHashMap.newKeySet();
    private final CountDownLatch all = new CountDownLatch(1);
    private final Logger logger;
    private final Level previousLevel;

    ReadersPositioned(String topic, int partitions) {
        this.topic = topic;
        this.partitions = partitions;
        this.logger = (Logger) LoggerFactory.getLogger(LOGGER);
        this.previousLevel = logger.getLevel();
        if (!logger.isInfoEnabled()) {
            logger.setLevel(Level.INFO); // the bench's logback config keeps only warnings
        }
        setName("sluice-bench-readers-positioned");
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        if (args == null || args.length == 0 || !(args[0] instanceof Collection<?> placed)) {
            return;
        }
        for (Object p : placed) {
            String tp = String.valueOf(p);
            int at = tp.indexOf('@');
            String name = at < 0 ? tp : tp.substring(0, at);
            if (name.startsWith(topic + "-")) {
                positioned.add(name);
            }
        }
        if (positioned.size() >= partitions) {
            all.countDown();
        }
    }

    /** Waits until every partition was positioned; throws if {@code timeoutSeconds} pass first. */
    void await(long timeoutSeconds) throws InterruptedException {
        if (!all.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the pipeline's readers did not report " + partitions + " partitions of "
                    + topic + " positioned within " + timeoutSeconds + " s (got " + positioned + "); the bench waits for"
                    + " the INFO line of " + LOGGER + " after assign()");
        }
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(previousLevel);
        stop();
    }
}
