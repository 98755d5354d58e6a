package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.sink.internals.HostProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which pipeline run holds a table: a second run is refused naming the holder, unless it takes the table over. */
class TableClaimsTest {
    @TempDir
    Path dir;
    final Configuration conf = new Configuration();

    TableSpec spec() {
        return TableSpec.builder("clicks", dir.resolve("wh/clicks").toUri().toString()).build();
    }

    @Test
    void aSecondRunOnAHeldTableIsRefusedWithOneLineNamingTheHolder() {
        TableSink sink = SinkFixtures.open(spec(), conf);
        PipelineRun a = PipelineRun.claimed("orders-loader");
        sink.claim(a, false, Duration.ofMinutes(1));

        PipelineRun b = PipelineRun.claimed("orders-loader");
        assertThatThrownBy(() -> SinkFixtures.open(spec(), conf).claim(b, false, Duration.ofMinutes(1)))
                .isInstanceOf(TableClaimedException.class)
                .hasMessageContaining("table clicks is being written by pipeline orders-loader (run " + a.shortId()
                        + ") on host " + HostProcess.host() + ", process " + HostProcess.pid() + ", since ")
                .hasMessageContaining("--take-over")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aTakeOverSupersedesTheHolderWhoseWritersAreFencedAndRefusedFromThenOn() {
        // given run A holding the table with a writer that has committed
        TableSpec spec = spec();
        PipelineRun a = PipelineRun.claimed("a");
        TableClaim claimA = SinkFixtures.open(spec, conf).claim(a, false, Duration.ofMinutes(1));
        PartitionCommitter writerA = SinkFixtures.open(spec, conf).committer("clicks", 0, a);
        writerA.commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);

        // when run B takes it over and registers its writer
        PipelineRun b = PipelineRun.claimed("b");
        TableClaim claimB = SinkFixtures.open(spec, conf).claim(b, true, Duration.ofMinutes(1));
        PartitionCommitter writerB = SinkFixtures.open(spec, conf).committer("clicks", 0, b);

        // then A learns it lost the table, its writer commits nothing more, and it registers no new one
        assertThat(claimA.renew()).isFalse();
        assertThat(claimB.renew()).isTrue();
        assertThat(claimA.current().run()).isEqualTo(b.id());
        assertThatThrownBy(() -> writerA.commit(rows(spec, "clicks", 0, 10, 19, o -> T0), List.of(), 19, 0))
                .isInstanceOf(WriterFencedException.class);
        assertThatThrownBy(() -> SinkFixtures.open(spec, conf).committer("clicks", 0, a))
                .isInstanceOf(WriterFencedException.class).hasMessageContaining("taken over by pipeline b");
        assertThat(writerB.commit(rows(spec, "clicks", 0, 10, 19, o -> T0), List.of(), 19, 0).committed()).isTrue();
    }

    @Test
    void aReleasedClaimIsTakenAtOnce() {
        TableSink sink = SinkFixtures.open(spec(), conf);
        sink.claim(PipelineRun.claimed("a"), false, Duration.ofMinutes(1)).release();

        TableClaim b = sink.claim(PipelineRun.claimed("b"), false, Duration.ofMinutes(1));

        assertThat(b.holder().pipeline()).isEqualTo("b");
        assertThat(b.holder().generation()).isEqualTo(2);
    }

    @Test
    void aClaimNotRenewedWithinItsLeaseLapses() throws Exception {
        TableSink sink = SinkFixtures.open(spec(), conf);
        sink.claim(PipelineRun.claimed("a"), false, Duration.ofSeconds(1));
        Thread.sleep(1_100);

        assertThat(sink.claim(PipelineRun.claimed("b"), false, Duration.ofMinutes(1)).holder().pipeline())
                .isEqualTo("b");
    }

    @Test
    void aClaimOfAProcessOfThisHostThatIsGoneLapsesAtOnce() throws Exception {
        // given a claim with an hour's lease whose process ended without releasing it
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path claims = Files.createDirectories(dir.resolve("wh/clicks/_sluice/claims"));
        Files.writeString(claims.resolve("00000000000000000001.json"), "{\"run\":\"deadbeef\",\"pipeline\":\"a\","
                + "\"host\":\"" + HostProcess.host() + "\",\"pid\":" + gone.pid() + ",\"processStart\":1,"
                + "\"since\":" + System.currentTimeMillis() + ",\"leaseMillis\":3600000}");

        TableClaim b = SinkFixtures.open(spec(), conf).claim(PipelineRun.claimed("b"), false, Duration.ofMinutes(1));

        assertThat(b.holder().generation()).isEqualTo(2);
    }

    @Test
    void aWriterOfARunWithoutClaimsMayNotWriteBesideALiveHolder() {
        TableSpec spec = spec();
        SinkFixtures.open(spec, conf).claim(PipelineRun.claimed("a"), false, Duration.ofMinutes(1));

        assertThatThrownBy(() -> SinkFixtures.open(spec, conf).committer("clicks", 0))
                .isInstanceOf(TableClaimedException.class).hasMessageContaining("being written by pipeline a");
    }
}
