package io.sluice.sink.internals;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.client.HdfsClientConfigKeys.BlockWrite;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * The HDFS clients tables are written with: one per name node and user in a JVM, made with the caller's
 * configuration except for how closing a file waits.
 *
 * <p>Closing an HDFS file asks the name node to complete it, which it refuses until a data node has reported the
 * last block; the data node reports it just after acknowledging the data, so the first ask often loses the race by a
 * millisecond. Hadoop's client then sleeps 400 ms before asking again. Every commit closes its files and its journal
 * entry, so that sleep landed on about every other commit (measured with {@code bench/ingest.sh}). Sluice's clients
 * ask again after {@value #FIRST_RETRY_MS} ms, doubling, with more retries, so a block that really lacks replicas is
 * still given longer than Hadoop's default (about 20 s instead of 12 s) before the close fails. A value the user set
 * for either key (in {@code hadoop:} of a pipeline file or a {@code *-site.xml}) is kept.
 *
 * <p>The clients are Sluice's own instances rather than {@link FileSystem#get}'s shared ones, because a shared
 * client keeps the configuration of whoever made it first; one that was closed is replaced.
 */
final class HdfsClients {
    static final long FIRST_RETRY_MS = 20;
    static final int RETRIES = 10;

    private record Key(String scheme, String authority, UserGroupInformation user) {}

    private static final Map<Key, FileSystem> CLIENTS = new ConcurrentHashMap<>();

    private HdfsClients() {}

    /** The client for {@code uri} (an {@code hdfs://} URI, or one without authority on an HDFS default). */
    static FileSystem get(URI uri, Configuration conf) throws IOException {
        URI fsUri = FileSystem.getDefaultUri(conf);
        String scheme = uri.getScheme() != null ? uri.getScheme() : fsUri.getScheme();
        String authority = uri.getAuthority() != null ? uri.getAuthority()
                : (scheme.equalsIgnoreCase(fsUri.getScheme()) ? fsUri.getAuthority() : null);
        Key key = new Key(scheme.toLowerCase(java.util.Locale.ROOT), authority, UserGroupInformation.getCurrentUser());
        synchronized (CLIENTS) {
            FileSystem fs = CLIENTS.get(key);
            if (fs instanceof DistributedFileSystem dfs && dfs.getClient().isClientRunning()) {
                return fs;
            }
            fs = FileSystem.newInstance(uri, tuned(conf));
            CLIENTS.put(key, fs);
            return fs;
        }
    }

    static Configuration tuned(Configuration conf) {
        Configuration c = new Configuration(conf);
        if (!setByUser(conf, BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY)) {
            c.setLong(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY, FIRST_RETRY_MS);
        }
        if (!setByUser(conf, BlockWrite.LOCATEFOLLOWINGBLOCK_RETRIES_KEY)) {
            c.setInt(BlockWrite.LOCATEFOLLOWINGBLOCK_RETRIES_KEY, RETRIES);
        }
        return c;
    }

    private static boolean setByUser(Configuration conf, String key) {
        if (conf.get(key) == null) {
            return false;
        }
        String[] sources = conf.getPropertySources(key);
        return sources == null || Arrays.stream(sources).noneMatch(s -> s.endsWith("-default.xml"));
    }
}
