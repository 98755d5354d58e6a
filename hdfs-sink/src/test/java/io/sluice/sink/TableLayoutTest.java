package io.sluice.sink;

import static io.sluice.sink.SinkFixtures.HOUR;
import static io.sluice.sink.SinkFixtures.T0;
import static io.sluice.sink.SinkFixtures.meta;
import static io.sluice.sink.SinkFixtures.offsetOf;
import static io.sluice.sink.SinkFixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How committed rows land on the file system and read back, on HDFS (one MiniDFSCluster for the class) and on
 * the local file system alike.
 */
class TableLayoutTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster cluster;
    static Configuration hdfsConf;
    static final AtomicInteger TABLES = new AtomicInteger();

    @BeforeAll
    static void startHdfs() throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        // the client waits 400 ms before its first retry of "is the block complete?" when a file is closed
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).storagesPerDatanode(1).build();
        cluster.waitActive();
        hdfsConf = cluster.getConfiguration(0);
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    /** Where a test's table lives: a fresh directory on HDFS or on the local file system. */
    record Store(String name) {
        String root(String table) {
            int n = TABLES.incrementAndGet();
            return name.equals("hdfs")
                    ? cluster.getURI() + "/wh" + n + "/" + table
                    : tmp.resolve("local/wh" + n + "/" + table).toUri().toString();
        }

        Configuration conf() {
            return name.equals("hdfs") ? hdfsConf : new Configuration();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Store> stores() {
        return Stream.of(new Store("hdfs"), new Store("file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void hourlyRowsReadBackWithTheirSourcePositionsAndFileNamesSayTheirOffsetRange(Store store) {
        // given 40 rows of clicks-3 at offsets 100..139, a quarter hour apart (10 hourly partitions)
        TableSpec spec = TableSpec.builder("clicks", store.root("clicks")).build();
        TableSink sink = SinkFixtures.open(spec, store.conf());

        // when they are committed
        CommitResult result = sink.committer("clicks", 3).commit(rows(spec, "clicks", 3, 100, 139,
                o -> T0 + (o - 100) * (HOUR / 4)), List.of(), 139, 0);

        // then every row reads back once, with topic, partition, offset and log timestamp
        TableReader reader = TableReader.open(spec, store.conf());
        List<GenericRecord> back = reader.readAll();
        assertThat(back).hasSize(40);
        assertThat(back.stream().map(SinkFixtures::offsetOf).collect(Collectors.toSet()))
                .hasSize(40).contains(100L, 139L).allMatch(o -> o >= 100 && o <= 139);
        for (GenericRecord r : back) {
            assertThat(meta(r).get("topic").toString()).isEqualTo("clicks");
            assertThat(meta(r).get("partition")).isEqualTo(3);
            assertThat(meta(r).get("timestamp")).isEqualTo(T0 + (offsetOf(r) - 100) * (HOUR / 4));
            assertThat(r.get("id").toString()).isEqualTo("clicks-3-" + offsetOf(r));
        }
        // and the files are hourly, named topic+partition+first+last after the rows they hold
        assertThat(result.entry().files()).hasSize(10);
        assertThat(reader.committedFiles()).hasSize(10).allSatisfy(f -> {
            assertThat(f.getParent().getName()).matches("hr=\\d\\d");
            assertThat(f.getParent().getParent().getName()).matches("dt=\\d{4}-\\d\\d-\\d\\d");
            List<Long> offsets = new ArrayList<>();
            reader.read(f, null, r -> offsets.add(offsetOf(r)));
            assertThat(f.getName()).isEqualTo("clicks+3+" + offsets.get(0) + "+" + offsets.get(offsets.size() - 1) + ".avro");
            assertThat(offsets).hasSize(4).isSorted();
        });
        assertThat(reader.committedFiles().get(0).toString()).contains("/dt=2025-11-24/hr=16/clicks+3+100+103.avro");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void dailyAndFieldPartitionsPutEachRowInItsDirectory(Store store) {
        // given a daily table and a table partitioned by the region field
        TableSpec daily = TableSpec.builder("daily", store.root("daily")).partitioning(Partitioning.DAILY).build();
        TableSpec byRegion = TableSpec.builder("regions", store.root("regions")).partitioning(Partitioning.FIELD)
                .partitionField("region").build();

        // when 30 rows spread over two days are committed to both
        for (TableSpec spec : List.of(daily, byRegion)) {
            SinkFixtures.open(spec, store.conf()).committer("clicks", 0)
                    .commit(rows(spec, "clicks", 0, 0, 29, o -> T0 + o * 2 * HOUR), List.of(), 29, 0);
        }

        // then the daily table has dt= directories only, and each row is in the day of its event time
        TableReader dailyReader = TableReader.open(daily, store.conf());
        assertThat(dailyReader.committedFiles()).extracting(f -> f.getParent().getName())
                .containsExactly("dt=2025-11-24", "dt=2025-11-25", "dt=2025-11-26", "dt=2025-11-27");
        for (org.apache.hadoop.fs.Path f : dailyReader.committedFiles()) {
            dailyReader.read(f, null, r -> assertThat(daily.partitioning().pathFor((Long) r.get("ts"), daily.zone()))
                    .isEqualTo(f.getParent().getName()));
        }
        assertThat(dailyReader.readAll()).hasSize(30);
        // and the field table has one directory per region, the space escaped
        TableReader regionReader = TableReader.open(byRegion, store.conf());
        assertThat(regionReader.committedFiles()).extracting(f -> f.getParent().getName())
                .containsExactlyInAnyOrder("region=eu", "region=us", "region=ap%20south");
        for (org.apache.hadoop.fs.Path f : regionReader.committedFiles()) {
            regionReader.read(f, null, r -> assertThat(Partitioning.fieldPath("region", r.get("region")))
                    .isEqualTo(f.getParent().getName()));
        }
        assertThat(regionReader.readAll()).extracting(SinkFixtures::offsetOf).hasSize(30).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void filesRollAtTheRecordLimitAndAtTheByteLimit(Store store) {
        // given one partition's worth of rows
        TableSpec byCount = TableSpec.builder("bycount", store.root("bycount")).maxFileRecords(10).build();
        TableSpec byBytes = TableSpec.builder("bybytes", store.root("bybytes")).maxFileBytes(1024).build();

        // when each table commits them in one go
        List<JournalEntry.CommittedFile> countFiles = SinkFixtures.open(byCount, store.conf()).committer("clicks", 0)
                .commit(rows(byCount, "clicks", 0, 0, 24, o -> T0), List.of(), 24, 0).entry().files();
        List<SinkRecord> big = new ArrayList<>();
        for (long o = 0; o < 100; o++) {
            big.add(SinkFixtures.row(byBytes, "clicks", 0, o, T0));
        }
        long bodyBytes = big.stream().mapToLong(SinkRecord::bodyLength).sum();
        long shortest = big.stream().mapToLong(SinkRecord::bodyLength).min().getAsLong();
        long longest = big.stream().mapToLong(SinkRecord::bodyLength).max().getAsLong();
        List<JournalEntry.CommittedFile> byteFiles = SinkFixtures.open(byBytes, store.conf()).committer("clicks", 0)
                .commit(big, List.of(), 99, 0).entry().files();

        // then the record limit gives files of 10, 10 and 5 rows with adjoining offset ranges
        assertThat(countFiles).extracting(JournalEntry.CommittedFile::records).containsExactly(10L, 10L, 5L);
        assertThat(countFiles).extracting(JournalEntry.CommittedFile::path).containsExactly(
                "dt=2025-11-24/hr=16/clicks+0+0+9.avro", "dt=2025-11-24/hr=16/clicks+0+10+19.avro",
                "dt=2025-11-24/hr=16/clicks+0+20+24.avro");
        // and the byte limit splits the rows into several files, none past the limit by more than one row
        assertThat(byteFiles).hasSizeGreaterThanOrEqualTo((int) (bodyBytes / 1024));
        assertThat(byteFiles).extracting(JournalEntry.CommittedFile::records)
                .allMatch(n -> (n - 1) * shortest < 1024 + longest);
        assertThat(byteFiles.stream().mapToLong(JournalEntry.CommittedFile::records).sum()).isEqualTo(100);
        assertThat(TableReader.open(byCount, store.conf()).readAll()).hasSize(25);
        assertThat(TableReader.open(byBytes, store.conf()).readAll()).hasSize(100);
    }

    @ParameterizedTest(name = "{0} codec {1}")
    @MethodSource("storesAndCodecs")
    void everyCodecWritesFilesThatReadBack(Store store, String codec) throws IOException {
        TableSpec spec = TableSpec.builder("c_" + codec, store.root("c_" + codec)).codec(codec).build();
        SinkFixtures.open(spec, store.conf()).committer("clicks", 0)
                .commit(rows(spec, "clicks", 0, 0, 49, o -> T0), List.of(), 49, 0);

        TableReader reader = TableReader.open(spec, store.conf());
        assertThat(reader.readAll()).extracting(SinkFixtures::offsetOf).hasSize(50).doesNotHaveDuplicates();
        FileSystem fs = reader.committedFiles().get(0).getFileSystem(store.conf());
        try (FSDataInputStream in = fs.open(reader.committedFiles().get(0));
             DataFileStream<GenericRecord> s = new DataFileStream<>(in, new GenericDatumReader<>())) {
            String expected = switch (codec) {
                case "zstd" -> "zstandard";
                case "none" -> "null";
                default -> codec;
            };
            assertThat(s.getMetaString("avro.codec")).isEqualTo(expected);
        }
    }

    static Stream<Object[]> storesAndCodecs() {
        return stores().flatMap(s -> Stream.of("snappy", "deflate", "zstd", "none").map(c -> new Object[] {s, c}));
    }

    @Test
    void withoutTheMetadataFieldRowsAreTheWriterSchemaAlone() {
        Store store = new Store("hdfs");
        TableSpec spec = TableSpec.builder("plain", store.root("plain")).metadataField(false).build();
        SinkFixtures.open(spec, store.conf()).committer("clicks", 0)
                .commit(rows(spec, "clicks", 0, 0, 9, o -> T0), List.of(), 9, 0);

        TableReader reader = TableReader.open(spec, store.conf());
        assertThat(reader.latestSchema()).isEqualTo(SinkFixtures.V1);
        assertThat(reader.readAll()).hasSize(10).allSatisfy(r -> assertThat(r.getSchema().getField("_sluice")).isNull())
                .extracting(r -> r.get("id").toString()).contains("clicks-0-0", "clicks-0-9");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Asia/Kolkata", "America/New_York"})
    void aTimeZoneOtherThanUtcMovesTheRowToItsLocalHour(String zone) {
        Store store = new Store("file");
        TableSpec utc = TableSpec.builder("utc", store.root("utc")).build();
        TableSpec local = TableSpec.builder("local", store.root("local")).zone(zone).build();
        long at = T0 + 20 * 60_000; // 2025-11-24T16:20Z

        for (TableSpec spec : List.of(utc, local)) {
            SinkFixtures.open(spec, store.conf()).committer("clicks", 0)
                    .commit(List.of(SinkFixtures.row(spec, "clicks", 0, 0, at)), List.of(), 0, 0);
        }

        String expected = zone.equals("Asia/Kolkata") ? "dt=2025-11-24/hr=21" : "dt=2025-11-24/hr=11";
        assertThat(TableReader.open(utc, store.conf()).committedFiles().get(0).toString())
                .contains("/dt=2025-11-24/hr=16/");
        assertThat(TableReader.open(local, store.conf()).committedFiles().get(0).toString()).contains("/" + expected + "/");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aTopicStartingWithAnUnderscoreStillGivesVisibleDataFiles(Store store) {
        // given a topic whose name starts with '_', which readers would otherwise skip as a hidden file
        TableSpec spec = TableSpec.builder("internal", store.root("internal")).build();

        SinkFixtures.open(spec, store.conf()).committer("_audit", 0)
                .commit(rows(spec, "_audit", 0, 0, 4, o -> T0), List.of(), 4, 0);

        TableReader reader = TableReader.open(spec, store.conf());
        assertThat(reader.committedFiles()).extracting(f -> f.getName()).containsExactly("%5Faudit+0+0+4.avro");
        assertThat(reader.readAll()).hasSize(5).allSatisfy(r -> assertThat(meta(r).get("topic").toString())
                .isEqualTo("_audit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void partitionsFoundOnDiskWhenReopenedAreClosedOnceProgressPassesThem(Store store) {
        // given hours 16 and 17 written by clicks-0, held open because clicks-1 is still at hour 16
        TableSpec spec = TableSpec.builder("reopen", store.root("reopen")).allowedLateness(java.time.Duration.ZERO).build();
        TableSink before = SinkFixtures.open(spec, store.conf());
        before.committer("clicks", 1).commit(rows(spec, "clicks", 1, 0, 0, o -> T0), List.of(), 0, 0);
        assertThat(before.committer("clicks", 0).commit(rows(spec, "clicks", 0, 0, 1, o -> T0 + o * HOUR), List.of(), 1, 0)
                .closedPartitions()).isEmpty();

        // when, after a restart, clicks-1 moves on: the new sink knows hour 16 only from the directory listing
        CommitResult r = SinkFixtures.open(spec, store.conf()).committer("clicks", 1)
                .commit(rows(spec, "clicks", 1, 1, 1, o -> T0 + 10 * HOUR), List.of(), 1, 0);

        // then hour 16 is closed (progress = clicks-0's T0+1h), hour 17 is not
        assertThat(r.closedPartitions()).containsExactly("dt=2025-11-24/hr=16");
    }

    @Test
    void aDeadLetterRootOnAnotherFileSystemIsRefused() {
        TableSpec spec = TableSpec.builder("split", new Store("file").root("split"))
                .deadLetterRoot(cluster.getURI() + "/dead").build();

        assertThatThrownBy(() -> SinkFixtures.open(spec, new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dead-letter root " + cluster.getURI() + "/dead")
                .hasMessageContaining("same file system");
    }

    @Test
    void committedFilesListsDataOnlyNotJournalsMarkersOrHiddenFiles() throws IOException {
        Store store = new Store("hdfs");
        TableSpec spec = TableSpec.builder("hidden", store.root("hidden")).allowedLateness(java.time.Duration.ZERO).build();
        TableSink sink = SinkFixtures.open(spec, store.conf());
        sink.committer("clicks", 0).commit(rows(spec, "clicks", 0, 0, 3, o -> T0 + o * HOUR), List.of(), 3, 0);
        FileSystem fs = FileSystem.get(java.net.URI.create(spec.root()), store.conf());
        fs.create(new org.apache.hadoop.fs.Path(spec.root() + "/dt=2025-11-24/hr=16/.hidden.avro")).close();
        fs.create(new org.apache.hadoop.fs.Path(spec.root() + "/dt=2025-11-24/_copying/x.avro")).close();

        Set<String> names = new TreeSet<>();
        TableReader.open(spec, store.conf()).committedFiles().forEach(f -> names.add(f.getName()));

        assertThat(names).containsExactly("clicks+0+0+0.avro", "clicks+0+1+1.avro", "clicks+0+2+2.avro",
                "clicks+0+3+3.avro");
        assertThat(fs.exists(new org.apache.hadoop.fs.Path(spec.root() + "/dt=2025-11-24/hr=16/_SUCCESS"))).isTrue();
    }
}
