package io.sluice.log.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A benchmark case: its id, what it measures, and its measured runs and latencies. */
abstract class Case {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    final String id;
    final String what;
    final String timedTo;
    final List<Run> runs = new ArrayList<>();
    Recorder callRecorder;
    Recorder durableRecorder;
    final Histogram call = new Histogram(3);
    final Histogram durable = new Histogram(3);

    Case(String id, String what, String timedTo) {
        this.id = id;
        this.what = what;
        this.timedTo = timedTo;
    }

    abstract Run run(int round) throws Exception;

    /** Folds the latencies of the run into the case totals (measured) or drops them (warm-up). */
    void collect(boolean measured) {
        if (callRecorder != null) {
            Histogram h = callRecorder.getIntervalHistogram();
            if (measured) {
                call.add(h);
            }
        }
        if (durableRecorder != null) {
            Histogram h = durableRecorder.getIntervalHistogram();
            if (measured) {
                durable.add(h);
            }
        }
    }

    double[] stats(java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new double[] {median, v[0], v[v.length - 1]};
    }

    /** CPU time of the calling thread (user + system), or 0 where the JVM cannot tell. */
    static long cpuNow() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    }
}
