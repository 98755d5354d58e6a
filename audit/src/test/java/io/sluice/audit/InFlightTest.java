package io.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InFlightTest {
    @Test
    void idleOnlyWhenEverySentRecordSettled() {
        InFlight f = new InFlight();
        assertThat(f.idle()).as("nothing sent").isTrue();
        f.sent();
        f.sent();
        assertThat(f.idle()).isFalse();
        f.settled();
        assertThat(f.idle()).isFalse();
        f.settled();
        assertThat(f.idle()).isTrue();
    }
}
