package io.sluice.pipeline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * A {@code PAssert.satisfies} check that a PCollection holds exactly the expected elements, each once.
 * Unlike {@code containsInAnyOrder} it fails with the counts and the first few missing, unexpected and
 * duplicated elements instead of printing ten thousand of them.
 */
final class ExactlyTheseRecords implements SerializableFunction<Iterable<String>, Void> {
    private static final long serialVersionUID = 1L;
    private static final int SHOWN = 10;

    private final String what;
    private final HashSet<String> expected;

    ExactlyTheseRecords(String what, Collection<String> expected) {
        this.what = what;
        this.expected = new HashSet<>(expected);
        if (this.expected.size() != expected.size()) {
            throw new IllegalArgumentException("the expected " + what + " hold duplicates");
        }
    }

    @Override
    public Void apply(Iterable<String> actual) {
        Map<String, Integer> seen = new HashMap<>();
        long total = 0;
        for (String s : actual) {
            seen.merge(s, 1, Integer::sum);
            total++;
        }
        List<String> missing = new ArrayList<>();
        for (String e : expected) {
            if (!seen.containsKey(e)) {
                missing.add(e);
            }
        }
        List<String> unexpected = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            if (!expected.contains(e.getKey())) {
                unexpected.add(e.getKey());
            } else if (e.getValue() > 1) {
                duplicated.add(e.getKey() + " x" + e.getValue());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !duplicated.isEmpty()) {
            throw new AssertionError(String.format(
                    "%s: expected %d distinct elements, read %d (%d distinct); %d missing %s, %d unexpected %s,"
                            + " %d duplicated %s",
                    what, expected.size(), total, seen.size(), missing.size(), first(missing), unexpected.size(),
                    first(unexpected), duplicated.size(), first(duplicated)));
        }
        return null;
    }

    private static List<String> first(List<String> values) {
        Set<String> sorted = new java.util.TreeSet<>(values);
        return sorted.stream().limit(SHOWN).toList();
    }
}
