package io.sluice.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.client.HdfsClientConfigKeys.BlockWrite;
import org.apache.hadoop.hdfs.client.impl.DfsClientConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HdfsClientsTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).storagesPerDatanode(1).build();
        cluster.waitActive();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    private static URI root() {
        return URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/wh/t");
    }

    private static DfsClientConf clientConf(FileSystem fs) {
        return ((DistributedFileSystem) fs).getClient().getConf();
    }

    @Test
    void aTableOnHdfsIsWrittenByAClientThatRetriesCompletingAFileSoon() throws Exception {
        Configuration conf = new Configuration(false);
        SinkFileSystem sfs = SinkFileSystem.forRoot(root().toString(), conf);

        DfsClientConf c = clientConf(sfs.fs());
        assertThat(c.getBlockWriteLocateFollowingInitialDelayMs()).isEqualTo(HdfsClients.FIRST_RETRY_MS);
        assertThat(c.getNumBlockWriteLocateFollowingRetry()).isEqualTo(HdfsClients.RETRIES);
        // Hadoop's shared client for the same address keeps Hadoop's defaults: the sink's is its own
        assertThat(clientConf(FileSystem.get(root(), new Configuration())).getBlockWriteLocateFollowingInitialDelayMs())
                .isEqualTo(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_DEFAULT);
        assertThat(SinkFileSystem.forRoot(root() + "/other", conf).fs()).isSameAs(sfs.fs());
    }

    @Test
    void aClosedClientIsReplaced() throws Exception {
        FileSystem first = HdfsClients.get(root(), new Configuration());
        first.close();

        FileSystem next = HdfsClients.get(root(), new Configuration());

        assertThat(next).isNotSameAs(first);
        assertThat(((DistributedFileSystem) next).getClient().isClientRunning()).isTrue();
        assertThat(next.exists(new org.apache.hadoop.fs.Path("/"))).isTrue();
    }

    @Test
    void valuesTheUserSetAreKept() {
        Configuration user = new Configuration();
        user.setLong(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY, 250);
        Configuration tuned = HdfsClients.tuned(user);
        assertThat(tuned.getLong(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY, -1)).isEqualTo(250);
        assertThat(tuned.getInt(BlockWrite.LOCATEFOLLOWINGBLOCK_RETRIES_KEY, -1)).isEqualTo(HdfsClients.RETRIES);

        Configuration defaults = HdfsClients.tuned(new Configuration());
        assertThat(defaults.getLong(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY, -1))
                .isEqualTo(HdfsClients.FIRST_RETRY_MS);
    }
}
