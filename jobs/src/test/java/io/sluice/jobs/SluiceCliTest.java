package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.log.LogManager;
import io.sluice.log.LogManagerConfig;
import io.sluice.log.PartitionLog;
import io.sluice.log.TopicConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sluice} command line run in-process against a data directory in a temp dir. */
class SluiceCliTest {
    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    static Run run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SluiceCli.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString().replace("\r\n", "\n"), err.toString().replace("\r\n", "\n"));
    }

    /** Runs {@code sluice log <command> --data-dir <tmp>/log <args>} with an empty stdin. */
    Run log(String command, String... args) {
        return logWithInput("", command, args);
    }

    Run logWithInput(String stdin, String command, String... args) {
        List<String> all = new ArrayList<>(List.of("log", command, "--data-dir", dataDir().toString()));
        all.addAll(List.of(args));
        return run(stdin, all.toArray(String[]::new));
    }

    Path dataDir() {
        return tmp.resolve("log");
    }

    /** The values stored in a partition, read with log-core itself rather than the CLI. */
    List<String> storedValues(String topic, int partition) {
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            PartitionLog p = m.partition(topic, partition);
            List<String> values = new ArrayList<>();
            for (RecordBatch b : p.read(p.logStartOffset(), Integer.MAX_VALUE).records().batches()) {
                for (Record r : b) {
                    values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                }
            }
            return values;
        }
    }

    int storedBatchCount(String topic, int partition) {
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            PartitionLog p = m.partition(topic, partition);
            int n = 0;
            for (RecordBatch ignored : p.read(p.logStartOffset(), Integer.MAX_VALUE).records().batches()) {
                n++;
            }
            return n;
        }
    }

    @Test
    void appendCreatesTopicAndReadPrintsTheValuesBackInOrder() {
        // when
        Run append = log("append", "--topic", "demo", "hello", "world", "again");
        Run read = log("read", "--topic", "demo");

        // then
        assertThat(append.exitCode()).as("append: %s", append).isZero();
        assertThat(append.outLines()).as("append output").containsExactly(
                "created topic demo (1 partition, config defaults) in " + dataDir().toAbsolutePath().normalize(),
                "appended 3 records to demo-0 at offsets 0..2 (durable)");
        assertThat(storedValues("demo", 0)).as("values on disk in demo-0").containsExactly("hello", "world", "again");
        assertThat(read.exitCode()).as("read: %s", read).isZero();
        assertThat(read.outLines()).as("read output").hasSize(3);
        assertThat(read.outLines().get(0)).as("first record line")
                .startsWith("partition:0\toffset:0\tCreateTime:").endsWith("\tkey:null\tvalue:hello");
        assertThat(read.outLines().get(2)).as("last record line").contains("\toffset:2\t").endsWith("value:again");
        assertThat(read.errLines()).as("read summary").containsExactly(
                "demo-0: 3 records from offset 0 (log start 0, high watermark 3)");
    }

    @Test
    void appendReadsValuesFromStdinOnePerLineAndContinuesTheOffsets() {
        // given
        log("append", "--topic", "t", "first");

        // when
        Run r = logWithInput("a\nb\n\nc\n", "append", "--topic", "t");

        // then: the empty line is an empty value
        assertThat(r.exitCode()).as("append: %s", r).isZero();
        assertThat(r.outLines()).containsExactly("appended 4 records to t-0 at offsets 1..4 (durable)");
        assertThat(storedValues("t", 0)).containsExactly("first", "a", "b", "", "c");
    }

    @Test
    void appendSplitsLongInputIntoBatchesOfBatchSize() {
        // given
        String input = IntStream.range(0, 2500).mapToObj(i -> "v" + i).collect(Collectors.joining("\n"));

        // when
        Run r = logWithInput(input, "append", "--topic", "t", "--batch-size", "1000");

        // then
        assertThat(r.outLines()).as("append: %s", r).endsWith("appended 2500 records to t-0 at offsets 0..2499 (durable)");
        List<String> stored = storedValues("t", 0);
        assertThat(stored).as("stored values").hasSize(2500).startsWith("v0").endsWith("v2499").doesNotHaveDuplicates();
        assertThat(storedBatchCount("t", 0)).as("record batches in t-0").isEqualTo(3);
    }

    @Test
    void appendKeepsBatchesUnderMaxMessageBytes() {
        // given: batches of at most ~1 KiB
        log("create-topic", "--topic", "small", "--config", "max.message.bytes=1024");
        String input = IntStream.range(0, 40).mapToObj(i -> "x".repeat(100)).collect(Collectors.joining("\n"));

        // when
        Run r = logWithInput(input, "append", "--topic", "small");

        // then
        assertThat(r.exitCode()).as("append: %s", r).isZero();
        assertThat(storedValues("small", 0)).hasSize(40);
        assertThat(storedBatchCount("small", 0)).as("record batches in small-0").isGreaterThanOrEqualTo(4);
    }

    @Test
    void appendWithKeyPicksThePartitionAsKafkasDefaultPartitioner() {
        // given
        int expected = Utils.toPositive(Utils.murmur2("user-42".getBytes(StandardCharsets.UTF_8))) % 4;

        // when
        Run r = log("append", "--topic", "keyed", "--create-partitions", "4", "--key", "user-42", "v");

        // then
        assertThat(r.outLines()).as("append: %s", r).endsWith(
                "appended 1 record to keyed-" + expected + " at offset 0 (durable)");
        assertThat(storedValues("keyed", expected)).containsExactly("v");
        Run read = log("read", "--topic", "keyed", "--partition", String.valueOf(expected), "--format", "json");
        assertThat(read.outLines()).singleElement().asString().contains("\"key\":\"user-42\"");
    }

    @Test
    void readAsJsonEscapesKeysAndValues() {
        // given
        log("append", "--topic", "j", "--key", "k\"1", "--timestamp", "1700000000000", "tab\there", "quote\"\\");

        // when
        Run r = log("read", "--topic", "j", "--format", "json");

        // then
        assertThat(r.exitCode()).as("read: %s", r).isZero();
        assertThat(r.outLines()).containsExactly(
                "{\"topic\":\"j\",\"partition\":0,\"offset\":0,\"timestamp\":1700000000000,\"timestampType\":\"CreateTime\","
                        + "\"key\":\"k\\\"1\",\"value\":\"tab\\there\",\"headers\":[]}",
                "{\"topic\":\"j\",\"partition\":0,\"offset\":1,\"timestamp\":1700000000000,\"timestampType\":\"CreateTime\","
                        + "\"key\":\"k\\\"1\",\"value\":\"quote\\\"\\\\\",\"headers\":[]}");
    }

    @Test
    void readFromAnOffsetPrintsAtMostMaxRecordsEvenInsideABatch() {
        // given: one batch holding offsets 0..4
        log("append", "--topic", "t", "a", "b", "c", "d", "e");

        // when
        Run r = log("read", "--topic", "t", "--from", "1", "--max", "2");

        // then
        assertThat(r.outLines()).as("read: %s", r).hasSize(2);
        assertThat(r.outLines().get(0)).contains("offset:1\t").endsWith("value:b");
        assertThat(r.outLines().get(1)).contains("offset:2\t").endsWith("value:c");
    }

    @Test
    void readPastTheHighWatermarkFailsNamingTheReadableRange() {
        // given
        log("append", "--topic", "t", "a", "b");

        // when
        Run r = log("read", "--topic", "t", "--from", "7");

        // then
        assertThat(r.exitCode()).as("read: %s", r).isEqualTo(1);
        assertThat(r.errLines()).containsExactly(
                "sluice log read: offset 7 is out of range for t-0: readable offsets are [0, 2]");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void readStopsWithAnErrorWhenStandardOutputFails() {
        // given
        log("append", "--topic", "t", "a", "b");
        Writer broken = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void close() {
            }
        };
        StringWriter err = new StringWriter();

        // when
        int code = SluiceCli.commandLine(new ByteArrayInputStream(new byte[0]), new PrintWriter(broken),
                new PrintWriter(err, true)).execute("log", "read", "--data-dir", dataDir().toString(), "--topic", "t");

        // then
        assertThat(code).as("exit code; stderr: %s", err).isEqualTo(1);
        assertThat(err.toString()).startsWith("sluice log read: cannot write to standard output");
    }

    @Test
    void topicsListsPartitionsWatermarksAndConfigOverrides() throws Exception {
        // given
        Run created = log("create-topic", "--topic", "orders", "--partitions", "2", "--config", "segment.bytes=4096",
                "--config", "cleanup.policy=compact");
        log("append", "--topic", "orders", "--partition", "1", "--key", "k", "x", "y");
        log("append", "--topic", "clicks", "z");

        // when
        Run r = log("topics");

        // then
        assertThat(created.exitCode()).as("create-topic: %s", created).isZero();
        assertThat(created.out()).startsWith("created topic orders (2 partitions, id ")
                .contains("config {cleanup.policy=compact, segment.bytes=4096}");
        assertThat(r.exitCode()).as("topics: %s", r).isZero();
        List<String> lines = r.outLines();
        assertThat(lines).as("topics output").hasSize(5);
        assertThat(lines.get(0)).startsWith("clicks\tpartitions:1\tid:").endsWith("\tconfig:defaults");
        assertThat(lines.get(1)).startsWith("  clicks-0\tlog-start:0\thigh-watermark:1\tsize:");
        assertThat(lines.get(2)).startsWith("orders\tpartitions:2\tid:")
                .endsWith("\tconfig:{cleanup.policy=compact, segment.bytes=4096}");
        assertThat(lines.get(3)).startsWith("  orders-0\tlog-start:0\thigh-watermark:0\tsize:0 bytes");
        assertThat(lines.get(4)).startsWith("  orders-1\tlog-start:0\thigh-watermark:2\tsize:").endsWith("segments:1");
        long bytes = Long.parseLong(lines.get(4).replaceAll(".*size:(\\d+) bytes.*", "$1"));
        assertThat(bytes).as("reported size of orders-1").isEqualTo(
                Files.size(dataDir().resolve("orders-1").resolve("00000000000000000000.log")));
    }

    @Test
    void topicsOnAMissingDataDirectorySaysSoAndCreatesNothing() {
        // when
        Run r = log("topics");

        // then
        assertThat(r.exitCode()).as("topics: %s", r).isZero();
        assertThat(r.outLines()).containsExactly("no topics in " + dataDir().toAbsolutePath().normalize());
        assertThat(dataDir()).doesNotExist();
    }

    @Test
    void aDataDirectoryThatIsAFileOrHoldsSomethingElseIsRefusedNotReadAsAnEmptyLog() throws IOException {
        // given
        Path file = Files.writeString(tmp.resolve("notes.txt"), "not a log\n");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve(".profile"), "export X=1\n");

        // when
        Run onFile = run("", "log", "topics", "--data-dir", file.toString());
        Run readFile = run("", "log", "read", "--data-dir", file.toString(), "--topic", "t");
        Run onOther = run("", "log", "topics", "--data-dir", home.toString());
        Run appendFile = run("", "log", "append", "--data-dir", file.toString(), "--topic", "t", "v");

        // then
        for (Run r : List.of(onFile, readFile, appendFile)) {
            assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
            assertThat(r.errLines()).singleElement().asString().contains(file.toString()).contains("is not a directory");
        }
        assertThat(onOther.exitCode()).as("%s", onOther).isEqualTo(2);
        assertThat(onOther.errLines()).singleElement().asString().contains(home.toString())
                .contains("is not a Sluice log directory");
        assertThat(home.resolve("topics.meta")).as("nothing created in the other directory").doesNotExist();
        assertThat(Files.readString(file)).isEqualTo("not a log\n");
    }

    /** Topic "t": 60 one-record batches "value-0".."value-59" in segments of about 1 KiB, closed cleanly. */
    List<Path> damagedLogFixture() throws IOException {
        try (LogManager m = LogManager.open(LogManagerConfig.defaults(dataDir()))) {
            m.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
            for (int i = 0; i < 60; i++) {
                m.partition("t", 0).append(org.apache.kafka.common.record.MemoryRecords.withRecords(
                        org.apache.kafka.common.compress.Compression.NONE, new org.apache.kafka.common.record.SimpleRecord(
                                1000L + i, null, ("value-" + i).getBytes(StandardCharsets.UTF_8))));
            }
        }
        try (java.util.stream.Stream<Path> files = Files.list(dataDir().resolve("t-0"))) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    /** Flips one byte of {@code text} in {@code file}: the batch's CRC no longer matches. */
    static void flipByteOf(Path file, String text) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String asLatin = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = asLatin.indexOf(text);
        assertThat(at).as("%s in %s", text, file).isNotNegative();
        bytes[at + text.length() - 1] ^= 0x01;
        Files.write(file, bytes);
    }

    @Test
    void verifyAndReadReportAFlippedByteAndAMissingSegmentByOffsetAndReadPrintsTheRest() throws IOException {
        // given
        List<Path> segments = damagedLogFixture();
        assertThat(segments).hasSizeGreaterThan(3);
        flipByteOf(segments.get(0), "value-3");
        long missingFrom = Long.parseLong(segments.get(2).getFileName().toString().replace(".log", ""));
        long missingTo = Long.parseLong(segments.get(3).getFileName().toString().replace(".log", ""));
        Files.delete(segments.get(2));

        // when
        Run verify = log("verify", "--topic", "t");
        Run read = log("read", "--topic", "t");
        Run sound = log("verify", "--topic", "t", "--partition", "0");

        // then
        assertThat(verify.exitCode()).as("%s", verify).isEqualTo(1);
        assertThat(verify.outLines()).singleElement().asString().startsWith("t-0").contains("2 problem(s)");
        assertThat(verify.err()).contains("t-0: offsets [3, 3]").containsIgnoringCase("crc")
                .contains("offsets [" + missingFrom + ", " + (missingTo - 1) + "]").contains("missing");
        assertThat(read.exitCode()).as("%s", read).isEqualTo(1);
        assertThat(read.outLines()).as("records printed").hasSize(60 - 1 - (int) (missingTo - missingFrom))
                .noneMatch(l -> l.contains("value-3\t") || l.endsWith("value-3"));
        assertThat(read.err()).contains("t-0: offset 3 damaged, not printed")
                .contains("[" + missingFrom + ", " + missingTo + ")");
        assertThat(sound.exitCode()).isEqualTo(1);
    }

    @Test
    void aWarehouseRootThatCannotBeWrittenIsRefusedAtStartNamingThePath() throws IOException {
        // given: a root under a regular file, and no log server at all (the check comes first)
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path conf = Files.writeString(tmp.resolve("p.yaml"), "name: p\nsource:\n  bootstrap-servers: 127.0.0.1:1\n"
                + "  topics: [t]\n  schema-registry-url: http://127.0.0.1:1\nwarehouse:\n  root: " + file.resolve("wh") + "\n");

        // when
        Run r = run("", "pipeline", "run", "--config", conf.toString(), "--metrics-listen", "off");

        // then
        assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString().startsWith("sluice pipeline run: cannot write to ")
                .contains(file.resolve("wh").toString()).contains("warehouse.root").doesNotContain("internal error");
    }

    @Test
    void aPipelineFileErrorIsTheUsersErrorInOneLineWithoutAClassName() throws IOException {
        // given
        Path conf = Files.writeString(tmp.resolve("bad-pipeline.yaml"), "name: p\nsource:\n  topicz: [a]\n");

        // when
        Run r = run("", "pipeline", "run", "--config", conf.toString(), "--metrics-listen", "off");

        // then
        assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("sluice pipeline run: pipeline file error: " + conf)
                .contains("topicz")
                .doesNotContain("internal error").doesNotContain("io.sluice").doesNotContain("Exception");
    }

    @Test
    void offsetsByTimestampFindTheFirstRecordAtOrAfterIt() {
        // given
        log("append", "--topic", "t", "--timestamp", "1000", "a");
        log("append", "--topic", "t", "--timestamp", "2000", "b");
        log("append", "--topic", "t", "--timestamp", "1970-01-01T00:00:03Z", "c");

        // when
        Run between = log("offsets", "--topic", "t", "--timestamp", "1500");
        Run exact = log("offsets", "--topic", "t", "--timestamp", "3000");
        Run after = log("offsets", "--topic", "t", "--timestamp", "3001");
        Run range = log("offsets", "--topic", "t");

        // then
        assertThat(between.outLines()).as("offsets at 1500: %s", between).containsExactly("t-0\toffset:1\ttimestamp:2000");
        assertThat(exact.outLines()).as("offsets at 3000: %s", exact).containsExactly("t-0\toffset:2\ttimestamp:3000");
        assertThat(after.outLines()).as("offsets at 3001: %s", after).containsExactly(
                "t-0\toffset:none\t(no record at or after 3001; high-watermark:3)");
        assertThat(range.outLines()).as("offsets: %s", range).containsExactly("t-0\tlog-start:0\thigh-watermark:3\tlog-end:3");
    }

    @Test
    void unknownTopicFailsWithOneLineNamingTheTopicsThereAre() {
        // given
        log("append", "--topic", "real", "x");

        // when
        Run read = log("read", "--topic", "missing");
        Run offsets = log("offsets", "--topic", "missing");

        // then
        assertThat(read.exitCode()).as("read: %s", read).isEqualTo(1);
        assertThat(read.errLines()).containsExactly("sluice log read: unknown topic 'missing' in "
                + dataDir().toAbsolutePath().normalize() + " (topics: real)");
        assertThat(offsets.exitCode()).as("offsets: %s", offsets).isEqualTo(1);
        assertThat(offsets.errLines()).singleElement().asString().contains("unknown topic 'missing'");
    }

    @Test
    void unknownTopicOnAMissingDataDirectoryFailsWithoutCreatingIt() {
        // when
        Run r = log("read", "--topic", "t");

        // then
        assertThat(r.exitCode()).as("read: %s", r).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString().contains("unknown topic 't'").contains("there is no log in");
        assertThat(dataDir()).doesNotExist();
    }

    @Test
    void partitionOutOfRangeFailsAndAppendsNothing() {
        // given
        log("create-topic", "--topic", "t", "--partitions", "2");

        // when
        Run append = log("append", "--topic", "t", "--partition", "2", "x");
        Run read = log("read", "--topic", "t", "--partition", "-1");

        // then
        assertThat(append.exitCode()).as("append: %s", append).isEqualTo(1);
        assertThat(append.errLines()).containsExactly(
                "sluice log append: topic 't' has 2 partitions (0..1); there is no partition 2");
        assertThat(read.exitCode()).as("read: %s", read).isEqualTo(1);
        assertThat(read.errLines()).singleElement().asString().contains("there is no partition -1");
        assertThat(storedValues("t", 0)).isEmpty();
        assertThat(storedValues("t", 1)).isEmpty();
    }

    @Test
    void oversizedValueIsRefusedAsInvalidBatch() {
        // given
        log("create-topic", "--topic", "t", "--config", "max.message.bytes=200");

        // when
        Run r = log("append", "--topic", "t", "ok", "x".repeat(500));

        // then: the first batch holds only "ok"; the big value alone is refused
        assertThat(r.exitCode()).as("append: %s", r).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("sluice log append: refused batch for t-0: TOO_LARGE: ");
        assertThat(r.outLines()).containsExactly("appended 1 record to t-0 at offset 0 (durable) before the error");
        assertThat(storedValues("t", 0)).containsExactly("ok");
    }

    @Test
    void createTopicRefusesAnExistingTopicAndUnknownConfig() {
        // given
        log("create-topic", "--topic", "t");

        // when
        Run again = log("create-topic", "--topic", "t");
        Run badKey = log("create-topic", "--topic", "u", "--config", "no.such.key=1");
        Run badName = log("create-topic", "--topic", "a/b");

        // then
        assertThat(again.exitCode()).as("create-topic again: %s", again).isEqualTo(1);
        assertThat(again.errLines()).singleElement().asString().contains("already exists");
        assertThat(badKey.exitCode()).as("create-topic with bad config: %s", badKey).isEqualTo(1);
        assertThat(badKey.errLines()).singleElement().asString().contains("no.such.key");
        assertThat(badName.exitCode()).as("create-topic with bad name: %s", badName).isEqualTo(1);
        assertThat(log("topics").outLines()).as("topics").hasSize(2).first().asString().startsWith("t\t");
    }

    @Test
    void usageErrorsExitWith2AndOneLine() {
        // when
        Run unknownOption = log("append", "--topic", "t", "--bogus");
        Run missingTopic = log("read");
        Run badFrom = log("read", "--topic", "t", "--from", "yesterday");
        Run badTimestamp = log("offsets", "--topic", "t", "--timestamp", "soon");

        // then
        for (Run r : List.of(unknownOption, missingTopic, badFrom, badTimestamp)) {
            assertThat(r.exitCode()).as("exit code of %s", r).isEqualTo(2);
            assertThat(r.errLines()).as("stderr of %s", r).hasSize(1);
        }
        assertThat(unknownOption.err()).startsWith("sluice log append: Unknown option: '--bogus'")
                .contains("(see 'sluice log append --help')");
        assertThat(missingTopic.err()).contains("--topic");
        assertThat(dataDir()).as("nothing was opened").doesNotExist();
    }

    @Test
    void dataDirectoryInUseByAnotherLogFailsWithOneLine() {
        // given
        LogManager other = LogManager.open(LogManagerConfig.defaults(dataDir()));
        try {
            // when
            Run r = log("topics");

            // then
            assertThat(r.exitCode()).as("topics: %s", r).isEqualTo(1);
            assertThat(r.errLines()).singleElement().asString().contains("is in use by another log");
        } finally {
            other.close();
        }
    }

    @Test
    void configFileSetsTheDataDirectoryAndTheTopicDefaultsWithoutStoringThem() throws Exception {
        // given
        Path conf = tmp.resolve("log-server.yaml");
        Files.writeString(conf, "# test\nlog.dir: " + dataDir() + "\nlog.flusher.threads: 1\ntopic.defaults:\n"
                + "  segment.bytes: 2048\n  retention.ms: -1\n");

        // when: no --data-dir
        Run append = run("", "log", "append", "--config-file", conf.toString(), "--topic", "t", "v");
        Run created = run("", "log", "create-topic", "--config-file", conf.toString(), "--topic", "u",
                "--config", "segment.bytes=4096");

        // then: the topics store only their own overrides; the file's defaults apply under them
        assertThat(append.exitCode()).as("append: %s", append).isZero();
        assertThat(created.exitCode()).as("create-topic: %s", created).isZero();
        try (LogManager m = LogManager.open(LogSettings.load(conf).managerConfig(dataDir()))) {
            assertThat(m.topic("t").orElseThrow().config().overrides()).as("overrides of t").isEmpty();
            assertThat(m.topic("u").orElseThrow().config().overrides()).as("overrides of u").isEqualTo(
                    Map.of(TopicConfig.SEGMENT_BYTES, "4096"));
            assertThat(m.partition("t", 0).config().segmentBytes()).as("segment.bytes of t-0").isEqualTo(2048);
            assertThat(m.partition("t", 0).config().retentionMs()).as("retention.ms of t-0").isEqualTo(-1);
            assertThat(m.partition("u", 0).config().segmentBytes()).as("segment.bytes of u-0").isEqualTo(4096);
            assertThat(m.partition("u", 0).config().retentionMs()).as("retention.ms of u-0").isEqualTo(-1);
        }
    }

    @Test
    void configFileWithAnUnknownKeyOrBadValueIsRefusedNamingIt() throws Exception {
        // given
        Path unknown = tmp.resolve("unknown.yaml");
        Files.writeString(unknown, "topic.defaults:\n  segment.byte: 2048\n");
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "topic.defaults:\n  cleanup.policy: sometimes\n");

        // when
        Run r1 = log("append", "--config-file", unknown.toString(), "--topic", "t", "v");
        Run r2 = log("append", "--config-file", bad.toString(), "--topic", "t", "v");
        Run r3 = log("append", "--config-file", tmp.resolve("none.yaml").toString(), "--topic", "t", "v");

        // then
        assertThat(r1.exitCode()).as("unknown key (the user's error): %s", r1).isEqualTo(2);
        assertThat(r1.err()).contains(unknown.toString()).contains("unknown key 'segment.byte'");
        assertThat(r2.exitCode()).as("bad value: %s", r2).isEqualTo(2);
        assertThat(r2.err()).contains(bad.toString()).contains("cleanup.policy");
        assertThat(r3.exitCode()).as("missing file: %s", r3).isEqualTo(2);
        assertThat(r3.err()).contains("does not exist");
        assertThat(dataDir()).as("nothing was created").doesNotExist();
    }

    @Test
    void versionAndHelpExitZero() {
        // when
        Run version = run("", "--version");
        Run help = run("", "log", "append", "--help");
        Run bare = run("");

        // then
        assertThat(version.exitCode()).isZero();
        assertThat(version.outLines().get(0)).matches("sluice \\d+\\.\\d+\\.\\d+.*");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--create-partitions").contains("--data-dir");
        assertThat(bare.exitCode()).as("sluice with no command: %s", bare).isEqualTo(2);
        assertThat(bare.err()).contains("Usage: sluice");
    }
}
