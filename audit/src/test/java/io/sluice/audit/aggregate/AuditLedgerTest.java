package io.sluice.audit.aggregate;

import static io.sluice.audit.Tier.LOG;
import static io.sluice.audit.Tier.PRODUCER;
import static io.sluice.audit.aggregate.Flow.TOPIC;
import static io.sluice.audit.aggregate.Flow.bucket;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.audit.AuditMessage;
import io.sluice.audit.Tier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AuditLedgerTest {

    private static long count(AuditLedger ledger, Tier tier, int bucket) {
        TierBucket b = ledger.view(TOPIC).buckets().get(bucket(bucket)).get(tier);
        return b == null ? 0 : b.digest().count();
    }

    @Test
    void aResentMessageChangesNothing() {
        // given
        Flow flow = new Flow().all(0, 20, LOG);
        AuditLedger ledger = new AuditLedger();
        AuditMessage m = flow.message(LOG, 1, true);
        ledger.apply(m);
        TopicView before = ledger.view(TOPIC);

        // when
        boolean changed = ledger.apply(AuditMessage.decode(m.encode()));

        // then
        assertThat(changed).isFalse();
        assertThat(ledger.view(TOPIC)).usingRecursiveComparison().isEqualTo(before);
        assertThat(count(ledger, LOG, 0)).isEqualTo(20);
        assertThat(ledger.ignoredMessages()).isEqualTo(1);
    }

    @Test
    void countsAreCumulativeSoALaterMessageReplacesAndAnOlderOneIsIgnored() {
        // given: seq 1 has 10 records of bucket 0, seq 2 has 20
        Flow flow = new Flow().all(0, 10, LOG);
        AuditMessage first = flow.message(LOG, 1, true);
        flow.all(10, 20, LOG);
        AuditMessage second = flow.message(LOG, 2, true);
        AuditLedger ledger = new AuditLedger();

        // when: delivered out of order
        ledger.apply(second);
        boolean olderChanged = ledger.apply(first);

        // then
        assertThat(olderChanged).isFalse();
        assertThat(count(ledger, LOG, 0)).isEqualTo(20);
        assertThat(ledger.view(TOPIC).buckets().get(bucket(0)).get(LOG).digest())
                .isEqualTo(second.buckets().get(0).digest());
    }

    @Test
    void aMessageWithOnlyTheChangedBucketsKeepsTheOthers() {
        // given
        Flow flow = new Flow().all(0, 20, LOG);
        AuditLedger ledger = new AuditLedger();
        ledger.apply(flow.message(LOG, 1, true));

        // when: the next message carries bucket 1 only, as the publisher sends it
        Flow next = new Flow().all(20, 30, LOG);
        ledger.apply(next.message(LOG, "log-1", 2, true));

        // then
        assertThat(count(ledger, LOG, 0)).isEqualTo(20);
        assertThat(count(ledger, LOG, 1)).isEqualTo(10);
        assertThat(ledger.view(TOPIC).watermarks()).containsEntry(LOG, Flow.ts(29));
    }

    @Test
    void aRestartedProducerWithANewIdAddsItsOwnCounts() {
        // given: producer-a sent 12 records of bucket 0, then was restarted as producer-b and sent 8 more
        AuditLedger ledger = new AuditLedger();
        ledger.apply(new Flow().all(0, 12, PRODUCER).message(PRODUCER, "producer-a", 5, true));
        ledger.apply(new Flow().all(12, 20, PRODUCER).message(PRODUCER, "producer-b", 1, true));

        // when: both messages arrive again
        ledger.apply(new Flow().all(0, 12, PRODUCER).message(PRODUCER, "producer-a", 5, true));

        // then
        TierBucket b = ledger.view(TOPIC).buckets().get(bucket(0)).get(PRODUCER);
        assertThat(b.digest()).isEqualTo(new Flow().all(0, 20, PRODUCER).message(PRODUCER, 1, true).buckets().get(0).digest());
        assertThat(b.instances()).isEqualTo(2);
        assertThat(ledger.instancesOf(TOPIC)).containsExactly("PRODUCER producer-a", "PRODUCER producer-b");
    }

    @Test
    void aTierHasDigestsOnlyIfEveryInstanceForTheTopicDigests() {
        // given
        AuditLedger ledger = new AuditLedger();
        ledger.apply(new Flow().all(0, 10, PRODUCER).message(PRODUCER, "wrapping", 1, true));
        ledger.apply(new Flow().all(40, 50, PRODUCER).message(PRODUCER, "interceptor", 1, false));

        // when
        TopicView view = ledger.view(TOPIC);

        // then: the tier is count-only for the topic; bucket 0, where only the wrapping producer counted, digests
        assertThat(view.tierDigests()).containsEntry(PRODUCER, false);
        assertThat(view.buckets().get(bucket(0)).get(PRODUCER).digests()).isTrue();
        assertThat(view.buckets().get(bucket(2)).get(PRODUCER).digests()).isFalse();
    }

    @Test
    void itsMessagesRebuildTheSameLedgerInAnyOrder() {
        // given: two instances, several sequences each, some buckets overtaken
        AuditLedger ledger = new AuditLedger();
        Flow log = new Flow();
        for (int seq = 1; seq <= 4; seq++) {
            log.all((seq - 1) * 15, seq * 15, LOG);
            ledger.apply(log.message(LOG, seq, true));
        }
        ledger.apply(new Flow().all(0, 60, PRODUCER).message(PRODUCER, 3, false));
        List<AuditMessage> messages = new ArrayList<>(ledger.messages());
        Collections.shuffle(messages, new Random(6));

        // when
        AuditLedger rebuilt = new AuditLedger();
        messages.forEach(rebuilt::apply);

        // then
        assertThat(rebuilt.view(TOPIC)).usingRecursiveComparison().isEqualTo(ledger.view(TOPIC));
        assertThat(rebuilt.messages()).hasSameSizeAs(messages);
    }

    @Test
    void forgetBeforeDropsOldBucketsOnly() {
        AuditLedger ledger = new Flow().all(0, 60, LOG).ledger();

        int dropped = ledger.forgetBefore(bucket(2));

        assertThat(dropped).isEqualTo(2);
        assertThat(ledger.view(TOPIC).buckets()).containsOnlyKeys(bucket(2));
    }

    @Test
    void forgettingOldBucketsForgetsInstancesThatHaveNothingLeftAndHaveEndedOrFallenSilent() {
        // three producer runs: one closed cleanly, one crashed, one still running; all counted only old buckets
        // except the running one
        Flow old = new Flow().all(0, 20, PRODUCER);
        Flow recent = new Flow().all(40, 60, PRODUCER);
        AuditLedger ledger = new AuditLedger();
        ledger.apply(old.message(PRODUCER, "producer/closed", 1, true, bucket(0), true));
        ledger.apply(old.message(PRODUCER, "producer/crashed", 1, true, bucket(0), false));
        ledger.apply(recent.message(PRODUCER, "producer/running", 1, true, bucket(2), false));
        assertThat(ledger.instanceCount()).isEqualTo(3);

        ledger.forgetBefore(bucket(2));

        assertThat(ledger.instanceCount()).as("instances left").isEqualTo(1);
        assertThat(ledger.instancesOf(TOPIC)).containsExactly("PRODUCER producer/running");
    }
}
