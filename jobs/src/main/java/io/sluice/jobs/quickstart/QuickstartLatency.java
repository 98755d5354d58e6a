package io.sluice.jobs.quickstart;

import com.codahale.metrics.MetricRegistry;
import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import io.sluice.sink.TableSink;
import io.sluice.sink.TableSpec;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.TopicPartition;

/**
 * End-to-end latency of the quickstart: from the producer's acknowledgement of a record to the moment the
 * table's journal covers its offset (the commit that makes it visible). Every 16th acknowledgement is sampled;
 * the journals are polled every 100 ms, so figures are accurate to about 0.1 s.
 */
public final class QuickstartLatency implements AutoCloseable {
    private static final int SAMPLE_EVERY = 16;

    private record Sample(long offset, long ackedAt) {}

    private final TableSink table;
    private final String topic;
    private final Map<Integer, ArrayDeque<Sample>> pending = new ConcurrentHashMap<>();
    private final Histogram histogram = new Histogram(TimeUnit.HOURS.toMillis(1), 3);
    private final ScheduledExecutorService poller;
    private long acks;

    public QuickstartLatency(TableSpec spec, String topic, Configuration hadoop) {
        this.table = TableSink.open(spec, hadoop, id -> {
            throw new IllegalStateException("the latency probe writes nothing");
        }, new MetricRegistry(), CommitHook.NONE);
        this.topic = topic;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-quickstart-latency");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Called by the producer for each acknowledged record, in offset order per partition. */
    public void acked(int partition, long offset, long ackedAtMillis) {
        if (acks++ % SAMPLE_EVERY != 0) {
            return;
        }
        ArrayDeque<Sample> q = pending.computeIfAbsent(partition, p -> new ArrayDeque<>());
        synchronized (q) {
            q.addLast(new Sample(offset, ackedAtMillis));
        }
    }

    private void poll() {
        Map<TopicPartition, JournalEntry> heads;
        try {
            heads = table.heads();
        } catch (RuntimeException e) {
            return; // the table may not exist yet
        }
        long now = System.currentTimeMillis();
        pending.forEach((partition, q) -> {
            JournalEntry head = heads.get(new TopicPartition(topic, partition));
            if (head == null) {
                return;
            }
            synchronized (q) {
                while (!q.isEmpty() && q.peekFirst().offset() < head.nextOffset()) {
                    synchronized (histogram) {
                        histogram.recordValue(Math.max(0, Math.min(now - q.pollFirst().ackedAt(), histogram.getHighestTrackableValue())));
                    }
                }
            }
        });
    }

    public long samples() {
        synchronized (histogram) {
            return histogram.getTotalCount();
        }
    }

    public long percentileMillis(double p) {
        synchronized (histogram) {
            return histogram.getValueAtPercentile(p);
        }
    }

    public long maxMillis() {
        synchronized (histogram) {
            return histogram.getMaxValue();
        }
    }

    @Override
    public void close() {
        poll();
        poller.shutdownNow();
        table.close();
    }
}
