package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When appends become durable: flush.messages, flush.ms, group commit and awaitDurable. */
class PartitionLogDurabilityTest extends PartitionLogFixture {
    @Test
    void flushMessagesOfOneMakesEveryAppendDurableWhenItReturns() {
        PartitionLog p = topic(Map.of(TopicConfig.FLUSH_MESSAGES, "1", TopicConfig.FLUSH_MS, "3600000"));

        for (int i = 0; i < 5; i++) {
            AppendResult r = p.append(Batches.of(1000, "m" + i));
            assertThat(p.highWatermark()).as("high watermark right after append %d", i).isEqualTo(p.logEndOffset());
            assertThat(p.awaitDurable(r.lastOffset()).isDone()).isTrue();
        }
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("m0", "m1", "m2", "m3", "m4");
    }

    @Test
    void flushMsEventuallyAdvancesTheHighWatermark() {
        PartitionLog p = topic(Map.of(TopicConfig.FLUSH_MS, "20"));

        p.append(Batches.of(1000, "a", "b"));
        p.append(Batches.of(1000, "c"));

        await().atMost(Duration.ofSeconds(10)).until(() -> p.highWatermark() == 3);
    }

    @Test
    void groupCommitAdvancesTheHighWatermark() throws Exception {
        PartitionLog p = topic(Map.of());

        AppendResult last = null;
        for (int i = 0; i < 10; i++) {
            last = p.append(Batches.of(1000, "g" + i));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> p.highWatermark() == 10);
        assertThat(p.awaitDurable(last.lastOffset()).get(10, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void awaitDurableCompletesOnceTheOffsetIsFlushed() throws Exception {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        AppendResult r = p.append(Batches.of(1000, "a", "b"));
        CompletableFuture<Void> durable = p.awaitDurable(r.lastOffset());
        CompletableFuture<Void> later = p.awaitDurable(r.lastOffset() + 1);
        assertThat(durable).isNotDone();

        // when
        p.flush();

        // then
        assertThat(durable.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(later).as("an offset not yet appended").isNotDone();
        assertThat(p.awaitDurable(0)).as("an offset already durable").isDone();
    }
}
