package io.sluice.jobs.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What {@link AuditBench} and {@link IngestBench} share: the warm-up label of a round, the median / min / max of
 * the measured runs, the last stdout line of JSON and emptying the working directory.
 */
final class BenchRounds {
    private BenchRounds() {}

    /** Whether {@code round} (0-based, warm-ups first) is a measured one. */
    static boolean measured(int round, int warmups) {
        return round >= warmups;
    }

    /** What the progress lines put after the round number: nothing for a measured round. */
    static String label(boolean measured) {
        return measured ? "" : " (warm-up)";
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The median of {@code f} over {@code runs}, 0 if there are none. */
    static <R> double median(List<R> runs, ToDoubleFunction<R> f) {
        return median(runs.stream().mapToDouble(f).toArray());
    }

    /** Median, min and max of a rate over the measured runs (0 for no runs). */
    record Spread(double median, double min, double max) {
        static <R> Spread of(List<R> runs, ToDoubleFunction<R> f) {
            return new Spread(BenchRounds.median(runs, f), runs.stream().mapToDouble(f).min().orElse(0),
                    runs.stream().mapToDouble(f).max().orElse(0));
        }

        /** Puts {@code records_per_s_median}, {@code _min} and {@code _max}, rounded, into {@code json}. */
        void putRecordsPerSecond(Map<String, Object> json) {
            json.put("records_per_s_median", Math.round(median));
            json.put("records_per_s_min", Math.round(min));
            json.put("records_per_s_max", Math.round(max));
        }
    }

    /** Prints {@code json} as one line: the last stdout line of a benchmark. */
    static void printJson(PrintStream out, Map<String, Object> json) throws IOException {
        out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(json));
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
