package io.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline's warehouse locations are proven writable at start, on the local file system and on HDFS. */
class WarehouseCheckTest {
    @TempDir
    static Path tmp;
    static Stores stores;

    @BeforeAll
    static void start() {
        stores = new Stores(tmp);
    }

    @AfterAll
    static void stop() {
        stores.close();
    }

    static Map<String, String> asMap(Configuration conf) {
        Map<String, String> m = new HashMap<>();
        conf.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    @Test
    void aWritableRootIsCreatedAndLeftWithoutTheProbe() throws IOException {
        Path root = tmp.resolve("wh-ok/deeper");
        WarehouseCheck.requireWritable(root.toUri().toString(), Map.of());
        assertThat(root).isDirectory();
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).as("files left in the root").isEmpty();
        }
    }

    @Test
    void aRootUnderARegularFileIsRefusedNamingThePath() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        String root = file.resolve("warehouse").toUri().toString();
        assertThatThrownBy(() -> WarehouseCheck.requireWritable(root, Map.of()))
                .isInstanceOf(WarehouseCheck.WarehouseUnavailableException.class)
                .hasMessageContaining(root).hasMessageContaining("warehouse.root");
    }

    @Test
    void anObjectStoreRootIsRefused() {
        assertThatThrownBy(() -> WarehouseCheck.requireWritable("s3a://bucket/wh", Map.of()))
                .isInstanceOf(WarehouseCheck.WarehouseUnavailableException.class).hasMessageContaining("atomic rename");
    }

    @Test
    void anHdfsRootTheUserMayNotWriteIsRefusedAndAWritableOneAccepted() throws Exception {
        String root = stores.newRoot(Stores.Kind.HDFS, "locked");
        Configuration conf = stores.conf(Stores.Kind.HDFS);
        try (FileSystem admin = FileSystem.newInstance(java.net.URI.create(root), conf)) {
            org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root);
            admin.mkdirs(dir);
            admin.setPermission(dir, new FsPermission((short) 0555));
        }
        Map<String, String> hadoop = asMap(conf);
        UserGroupInformation alice = UserGroupInformation.createUserForTesting("alice", new String[] {"analysts"});
        assertThatThrownBy(() -> alice.doAs((PrivilegedExceptionAction<Void>) () -> {
            WarehouseCheck.requireWritable(root, hadoop);
            return null;
        })).isInstanceOf(WarehouseCheck.WarehouseUnavailableException.class).hasMessageContaining(root)
                .hasMessageContaining("Permission denied");
        WarehouseCheck.requireWritable(stores.newRoot(Stores.Kind.HDFS, "open"), hadoop); // the superuser may
    }
}
