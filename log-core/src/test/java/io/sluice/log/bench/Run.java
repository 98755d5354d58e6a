package io.sluice.log.bench;

/** One measured (or warm-up) run. */
record Run(long bytes, long records, long nanos, long cpuNanos) {
    private static final double MB = 1_000_000.0;

    double mbps() {
        return bytes / MB / (nanos / 1e9);
    }

    double recps() {
        return records / (nanos / 1e9);
    }

    double cpuMs() {
        return cpuNanos / 1e6;
    }
}
