package io.sluice.registry;

import static io.sluice.registry.RegistryFixture.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentRegistrationTest {
    @TempDir
    Path dir;

    @Test
    void concurrentRegistrationsNeverShareOrSkipAnId() throws Exception {
        try (RegistryFixture fx = new RegistryFixture(dir)) {
            int n = 40;
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String schema = record("{\"name\":\"f" + i + "\",\"type\":\"int\"}");
                String subject = "conc-" + (i % 4);
                fx.setLevel(subject, "NONE");
                ids.add(pool.submit(() -> fx.registerOk(subject, schema)));
            }
            // the same schema from many threads at once: one id
            String same = record("{\"name\":\"same\",\"type\":\"long\"}");
            List<Future<Integer>> sameIds = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String subject = "same-" + i;
                sameIds.add(pool.submit(() -> fx.registerOk(subject, same)));
            }
            TreeSet<Integer> distinct = new TreeSet<>();
            for (Future<Integer> f : ids) {
                distinct.add(f.get());
            }
            TreeSet<Integer> sameSet = new TreeSet<>();
            for (Future<Integer> f : sameIds) {
                sameSet.add(f.get());
            }
            pool.shutdown();
            assertThat(sameSet).as("ids of one schema registered concurrently in 8 subjects").hasSize(1);
            TreeSet<Integer> all = new TreeSet<>(distinct);
            all.addAll(sameSet);
            assertThat(distinct).as("ids of %d different schemas", n).hasSize(n);
            assertThat(all.first()).isEqualTo(1);
            assertThat(all.last()).as("highest id among %s", all).isEqualTo(n + 1);
        }
    }
}
