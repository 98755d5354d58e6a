package io.sluice.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * The two stores a table can live on, for tests that must hold on both: the local file system and HDFS (a
 * one-datanode MiniDFSCluster, started on first use and shut down by {@link #close}). One per test class.
 */
final class Stores implements AutoCloseable {
    enum Kind { LOCAL, HDFS }

    private final Path tmp;
    private final AtomicInteger tables = new AtomicInteger();
    private MiniDFSCluster cluster;

    Stores(Path tmp) {
        this.tmp = tmp;
    }

    /** The root URI of a new, empty table directory on {@code kind}. */
    synchronized String newRoot(Kind kind, String name) {
        String unique = name + "-" + tables.incrementAndGet();
        if (kind == Kind.LOCAL) {
            return tmp.resolve("local/" + unique).toUri().toString();
        }
        return "hdfs://127.0.0.1:" + hdfs().getNameNodePort() + "/wh/" + unique;
    }

    synchronized Configuration conf(Kind kind) {
        return kind == Kind.LOCAL ? new Configuration() : new Configuration(hdfs().getConfiguration(0));
    }

    private MiniDFSCluster hdfs() {
        if (cluster == null) {
            Configuration conf = new Configuration();
            conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
            // the client waits 400 ms before its first retry of "is the block complete?" when a file is closed
            conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
            try {
                cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).storagesPerDatanode(1).build();
                cluster.waitActive();
            } catch (IOException e) {
                throw new UncheckedIOException("starting the MiniDFSCluster failed", e);
            }
        }
        return cluster;
    }

    @Override
    public synchronized void close() {
        if (cluster != null) {
            cluster.shutdown();
            cluster = null;
        }
    }
}
