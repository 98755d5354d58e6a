package io.sluice.log;

import io.sluice.log.testing.ManualTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.log.InvalidBatchException.Reason;
import io.sluice.log.internals.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionLogTest {
    /** flush.messages and flush.ms so large that nothing is fsynced unless the test calls flush(). */
    static final Map<String, String> NO_AUTO_FLUSH = Map.of(
            TopicConfig.FLUSH_MESSAGES, "1000000000", TopicConfig.FLUSH_MS, "3600000");
    static final long START_MS = 1_000_000_000L;

    @TempDir
    Path dir;
    LogManager log;
    final ManualTime time = new ManualTime(START_MS);

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    static List<String> values(Records records) {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    private LogManager openManual() {
        log = LogManager.open(LogManagerConfig.defaults(dir).withTime(time));
        return log;
    }

    private PartitionLog topic(Map<String, String> overrides) {
        if (log == null) {
            openManual();
        }
        log.createTopic("t", 1, overrides);
        return log.partition("t", 0);
    }

    private PartitionLog reopen() {
        log.close();
        log = null;
        openManual();
        return log.partition("t", 0);
    }

    private static Map<String, String> config(Map<String, String> base, String... kv) {
        Map<String, String> m = new HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Every record below the high watermark: offset to value, read batch by batch from the log start. */
    static Map<Long, String> readAll(PartitionLog p) {
        Map<Long, String> out = new LinkedHashMap<>();
        long next = p.logStartOffset();
        while (next < p.highWatermark()) {
            ReadResult r = p.read(next, 1 << 16);
            assertThat(r.isEmpty()).as("read at %d below the high watermark %d", next, p.highWatermark()).isFalse();
            for (RecordBatch b : r.records().batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= next) {
                        out.put(rec.offset(), rec.hasValue() ? StandardCharsets.UTF_8.decode(rec.value()).toString() : null);
                    }
                }
                next = Math.max(next, b.lastOffset() + 1);
            }
        }
        return out;
    }

    private static List<Path> filesEndingWith(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void appendsAssignOffsetsAndReadBackAfterFlush() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 2, Map.of());
        PartitionLog p = log.partition("t", 1);
        AppendResult a = p.append(Batches.of(1000, "a", "b", "c"));
        AppendResult b = p.append(Batches.of(1000, "d"));
        assertThat(a.firstOffset()).isEqualTo(0);
        assertThat(a.lastOffset()).isEqualTo(2);
        assertThat(b.firstOffset()).isEqualTo(3);
        p.awaitDurable(3).join();
        assertThat(p.highWatermark()).isEqualTo(4);
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("a", "b", "c", "d");
        assertThat(values(p.read(1, 1 << 20).records())).startsWith("a"); // whole batch holding offset 1
        assertThat(p.read(4, 100).isEmpty()).isTrue();
        assertThatThrownBy(() -> p.read(5, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void survivesCleanRestartAndRollsSegments() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("t", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        PartitionLog p = log.partition("t", 0);
        for (int i = 0; i < 100; i++) {
            p.append(Batches.of(1000 + i, "value-" + i));
        }
        p.flush();
        int segments = p.segmentCount();
        assertThat(segments).isGreaterThan(3);
        log.close();
        log = LogManager.open(LogManagerConfig.defaults(dir));
        PartitionLog q = log.partition("t", 0);
        assertThat(q.highWatermark()).isEqualTo(100);
        assertThat(q.segmentCount()).isEqualTo(segments);
        List<String> all = new ArrayList<>();
        long next = 0;
        while (next < 100) {
            List<String> got = values(q.read(next, 4096).records());
            all.addAll(got);
            next += got.size();
        }
        assertThat(all).hasSize(100).startsWith("value-0").endsWith("value-99");
        assertThat(q.offsetForTimestamp(1050)).contains(new TimestampOffset(1050, 50));
        assertThat(q.append(Batches.of(5, "after")).firstOffset()).isEqualTo(100);
    }

    // ------------------------------------------------------------------ high watermark

    @Test
    void readAtTheHighWatermarkIsEmpty() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a", "b"));
        p.flush();

        ReadResult r = p.read(2, 1 << 20);

        assertThat(r.isEmpty()).isTrue();
        assertThat(r.highWatermark()).isEqualTo(2);
        assertThat(r.logStartOffset()).isZero();
    }

    @Test
    void dataNotYetDurableIsNotReadable() {
        // given an append that nothing has fsynced yet
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a", "b", "c"));
        assertThat(p.logEndOffset()).isEqualTo(3);
        assertThat(p.highWatermark()).isZero();

        // then: offset 0 is the high watermark (empty), above it is out of range
        assertThat(p.read(0, 1 << 20).isEmpty()).isTrue();
        assertThatThrownBy(() -> p.read(1, 1 << 20))
                .isInstanceOfSatisfying(OffsetOutOfRangeException.class, e -> {
                    assertThat(e.requested()).isEqualTo(1);
                    assertThat(e.highWatermark()).isZero();
                    assertThat(e.logStartOffset()).isZero();
                    assertThat(e.topic()).isEqualTo("t");
                    assertThat(e.partition()).isZero();
                });
        assertThat(p.offsetForTimestamp(0)).as("timestamp search below the high watermark").isEmpty();

        // when
        long hw = p.flush();

        // then
        assertThat(hw).isEqualTo(3);
        assertThat(values(p.read(1, 1 << 20).records())).containsExactly("a", "b", "c");
        assertThat(p.offsetForTimestamp(0)).contains(new TimestampOffset(1000, 0));
    }

    @Test
    void readAboveTheHighWatermarkIsOutOfRange() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "a"));
        p.flush();

        assertThatThrownBy(() -> p.read(2, 100)).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("t-0").hasMessageContaining("offset 2");
        assertThatThrownBy(() -> p.read(-1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    // ------------------------------------------------------------------ refused batches

    private static void assertRefused(PartitionLog p, MemoryRecords records, Reason reason) {
        long endBefore = p.logEndOffset();
        long bytesBefore = p.sizeInBytes();
        assertThatThrownBy(() -> p.append(records))
                .isInstanceOfSatisfying(InvalidBatchException.class, e -> {
                    assertThat(e.reason()).as("reason").isEqualTo(reason);
                    assertThat(e.topic()).isEqualTo(p.topic());
                    assertThat(e.partition()).isEqualTo(p.partition());
                    assertThat(e.getMessage()).contains(p.topic() + "-" + p.partition()).contains(reason.name());
                });
        assertThat(p.logEndOffset()).as("log end offset after a refused %s append", reason).isEqualTo(endBefore);
        assertThat(p.sizeInBytes()).as("bytes on disk after a refused %s append", reason).isEqualTo(bytesBefore);
    }

    private static ByteBuffer copy(MemoryRecords records) {
        ByteBuffer src = records.buffer().duplicate();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src).flip();
        return copy;
    }

    private static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords m : parts) {
            size += m.sizeInBytes();
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (MemoryRecords m : parts) {
            buf.put(m.buffer().duplicate());
        }
        return MemoryRecords.readableRecords(buf.flip());
    }

    @Test
    void refusesABatchWithACorruptCrcAndWritesNothing() {
        PartitionLog p = topic(Map.of());
        p.append(Batches.of(1000, "before"));
        ByteBuffer corrupt = copy(Batches.of(1000, "a", "b"));
        int at = DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 2;
        corrupt.put(at, (byte) (corrupt.get(at) ^ 0x40));

        assertRefused(p, MemoryRecords.readableRecords(corrupt), Reason.CORRUPT);
        p.flush();
        assertThat(values(p.read(0, 1 << 20).records())).containsExactly("before");
    }

    @Test
    void refusesABatchLargerThanMaxMessageBytes() {
        MemoryRecords exact = Batches.sized(4, 100, 1000, Compression.NONE);
        PartitionLog p = topic(Map.of(TopicConfig.MAX_MESSAGE_BYTES, String.valueOf(exact.sizeInBytes())));

        assertThat(p.append(exact).lastOffset()).as("a batch of exactly max.message.bytes").isEqualTo(3);
        assertRefused(p, Batches.sized(5, 100, 1000, Compression.NONE), Reason.TOO_LARGE);
    }

    @Test
    void refusesAMagicV1Batch() {
        PartitionLog p = topic(Map.of());

        assertRefused(p, MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(1000L, null, "old".getBytes(StandardCharsets.UTF_8))), Reason.UNSUPPORTED_MAGIC);
    }

    @Test
    void refusesAPartialBatch() {
        PartitionLog p = topic(Map.of());
        ByteBuffer whole = copy(Batches.of(1000, "a", "b", "c"));
        ByteBuffer cut = whole.duplicate().limit(whole.limit() - 7);

        assertRefused(p, MemoryRecords.readableRecords(cut.slice()), Reason.INVALID_SIZE);
    }

    @Test
    void refusesAWholeBatchFollowedByAPartialOneWithoutWritingEither() {
        PartitionLog p = topic(Map.of());
        ByteBuffer second = copy(Batches.of(1000, "c", "d"));
        MemoryRecords cutSecond = MemoryRecords.readableRecords(second.limit(second.limit() - 3).slice());

        assertRefused(p, concat(Batches.of(1000, "a", "b"), cutSecond), Reason.INVALID_SIZE);
        assertThat(p.logEndOffset()).isZero();
    }

    @Test
    void refusesATransactionalBatch() {
        PartitionLog p = topic(Map.of());

        assertRefused(p, MemoryRecords.withTransactionalRecords(Compression.NONE, 42L, (short) 0, 0,
                new SimpleRecord(1000L, null, "tx".getBytes(StandardCharsets.UTF_8))), Reason.UNSUPPORTED_TRANSACTION);
    }

    @Test
    void refusesAnUnkeyedRecordOnACompactedTopic() {
        PartitionLog p = topic(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        p.append(Batches.keyed(1000, new String[] {"k"}, new String[] {"v"}));

        assertRefused(p, Batches.of(1000, "no key"), Reason.MISSING_KEY);
        assertRefused(p, concat(Batches.keyed(1000, new String[] {"k2"}, new String[] {"v2"}), Batches.of(1000, "x")),
                Reason.MISSING_KEY);
        assertThat(p.logEndOffset()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ timestamps

    @Test
    void logAppendTimeTopicsStampTheAppendTimeAndReturnIt() {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));

        // when
        AppendResult first = p.append(Batches.of(1000, "a", "b"));
        time.advance(250);
        AppendResult second = p.append(Batches.of(5, "c"));
        p.flush();

        // then
        assertThat(first.logAppendTimeMs()).isEqualTo(START_MS);
        assertThat(second.logAppendTimeMs()).isEqualTo(START_MS + 250);
        List<Long> batchTimes = new ArrayList<>();
        List<Long> recordTimes = new ArrayList<>();
        for (RecordBatch b : p.read(0, 1 << 20).records().batches()) {
            assertThat(b.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(b.isValid()).as("CRC of a restamped batch").isTrue();
            batchTimes.add(b.maxTimestamp());
            for (Record r : b) {
                recordTimes.add(r.timestamp());
            }
        }
        assertThat(batchTimes).containsExactly(START_MS, START_MS + 250);
        assertThat(recordTimes).containsExactly(START_MS, START_MS, START_MS + 250);
        assertThat(p.offsetForTimestamp(START_MS + 1)).contains(new TimestampOffset(START_MS + 250, 2));
    }

    @Test
    void createTimeTopicsKeepTheProducerTimestamps() {
        PartitionLog p = topic(NO_AUTO_FLUSH);

        AppendResult r = p.append(Batches.timed(new long[] {700, 300}, "v"));
        p.flush();

        assertThat(r.logAppendTimeMs()).isEqualTo(-1);
        RecordBatch b = p.read(0, 1 << 20).records().batches().iterator().next();
        assertThat(b.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(b.maxTimestamp()).isEqualTo(700);
    }

    // ------------------------------------------------------------------ compression

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesAreAcceptedAndReadBack(String codec) {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        Compression compression = Compression.of(codec).build();
        SimpleRecord[] first = new SimpleRecord[20];
        for (int i = 0; i < first.length; i++) {
            first[i] = new SimpleRecord(1000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i + "-" + "x".repeat(50)).getBytes(StandardCharsets.UTF_8));
        }

        // when
        AppendResult a = p.append(MemoryRecords.withRecords(compression, first));
        AppendResult b = p.append(MemoryRecords.withRecords(compression,
                new SimpleRecord(2000L, null, "last".getBytes(StandardCharsets.UTF_8))));
        p.flush();

        // then
        assertThat(a.firstOffset()).isZero();
        assertThat(a.lastOffset()).isEqualTo(19);
        assertThat(b.firstOffset()).isEqualTo(20);
        Map<Long, String> all = readAll(p);
        assertThat(all).hasSize(21);
        assertThat(all.get(7L)).isEqualTo("value-7-" + "x".repeat(50));
        assertThat(all.get(20L)).isEqualTo("last");
        for (RecordBatch batch : p.read(0, 1 << 20).records().batches()) {
            assertThat(batch.compressionType()).isEqualTo(CompressionType.forName(codec));
        }
        assertThat(p.offsetForTimestamp(1010)).contains(new TimestampOffset(1010, 10));
    }

    // ------------------------------------------------------------------ idempotent producers

    @Test
    void duplicateBatchIsAnsweredWithTheOriginalOffsetsAndNotWrittenAgain() {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.of(1000, "plain"));
        AppendResult original = p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));
        long end = p.logEndOffset();
        long bytes = p.sizeInBytes();

        // when: the producer re-sends its first batch (sequences 0-1)
        AppendResult dup = p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));

        // then
        assertThat(original).isEqualTo(new AppendResult(1, 2, -1, false));
        assertThat(dup).isEqualTo(new AppendResult(1, 2, -1, true));
        assertThat(p.logEndOffset()).isEqualTo(end);
        assertThat(p.sizeInBytes()).isEqualTo(bytes);
        assertThat(p.producerState()).containsKey(7L);
        assertThat(p.producerState().get(7L).epoch()).isZero();
        p.flush();
        assertThat(readAll(p).values()).containsExactly("plain", "a", "b", "c");
    }

    @Test
    void sequenceGapIsRefusedAsOutOfOrder() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 0, 5, "c")))
                .isInstanceOfSatisfying(ProducerStateException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE);
                    assertThat(e.topic()).isEqualTo("t");
                    assertThat(e.partition()).isZero();
                });
        assertThat(p.logEndOffset()).isEqualTo(2);
        assertThat(p.append(Batches.idempotent(7L, (short) 0, 2, "c")).firstOffset()).isEqualTo(2);
    }

    @Test
    void olderEpochIsRefusedAsFenced() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 3, 0, "a"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 2, 1, "b")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.INVALID_PRODUCER_EPOCH));
        assertThat(p.logEndOffset()).isEqualTo(1);
    }

    @Test
    void newEpochMustStartAtSequenceZero() {
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b", "c"));

        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 1, 3, "d")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.OUT_OF_ORDER_SEQUENCE));
        AppendResult bumped = p.append(Batches.idempotent(7L, (short) 1, 0, "d"));

        assertThat(bumped).isEqualTo(new AppendResult(3, 3, -1, false));
        assertThat(p.producerState().get(7L).epoch()).isEqualTo((short) 1);
        assertThatThrownBy(() -> p.append(Batches.idempotent(7L, (short) 0, 3, "late")))
                .isInstanceOfSatisfying(ProducerStateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProducerStateException.Kind.INVALID_PRODUCER_EPOCH));
    }

    @Test
    void producerStateSurvivesACleanRestart() throws IOException {
        // given
        PartitionLog p = topic(NO_AUTO_FLUSH);
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));

        // when
        PartitionLog q = reopen();

        // then
        assertThat(filesEndingWith(q.dir(), SegmentFiles.SNAPSHOT)).as("snapshot written at close").isNotEmpty();
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 2, "c"))).isEqualTo(new AppendResult(2, 2, -1, true));
        assertThatThrownBy(() -> q.append(Batches.idempotent(7L, (short) 0, 9, "gap")))
                .isInstanceOf(ProducerStateException.class);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 3, "d"))).isEqualTo(new AppendResult(3, 3, -1, false));
    }

    @Test
    void producerStateIsRebuiltByReplayAfterAnUncleanRestart() throws Exception {
        // given durable idempotent batches and no snapshot
        PartitionLog p = topic(Map.of());
        p.append(Batches.of(1000, "plain"));
        p.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"));
        p.append(Batches.idempotent(7L, (short) 0, 2, "c"));
        p.awaitDurable(3).get(10, TimeUnit.SECONDS);
        Path partitionDir = p.dir();

        // when: stopped like a crash
        log.abort();
        assertThat(filesEndingWith(partitionDir, SegmentFiles.SNAPSHOT)).as("snapshots after abort").isEmpty();
        log = null;
        openManual();
        PartitionLog q = log.partition("t", 0);

        // then
        assertThat(q.logEndOffset()).isEqualTo(4);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 0, "a", "b"))).isEqualTo(new AppendResult(1, 2, -1, true));
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 2, "c"))).isEqualTo(new AppendResult(3, 3, -1, true));
        assertThat(q.logEndOffset()).isEqualTo(4);
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 3, "d")).firstOffset()).isEqualTo(4);
    }

    @Test
    void producerStateCombinesTheSnapshotWithAReplayOfLaterBatches() throws Exception {
        // given a clean restart (snapshot at offset 1), then more batches, then a crash
        PartitionLog p = topic(Map.of());
        p.append(Batches.idempotent(7L, (short) 0, 0, "a"));
        p = reopen();
        p.append(Batches.idempotent(7L, (short) 0, 1, "b"));
        p.append(Batches.idempotent(9L, (short) 0, 0, "other"));
        p.awaitDurable(2).get(10, TimeUnit.SECONDS);
        log.abort();
        log = null;

        // when
        openManual();
        PartitionLog q = log.partition("t", 0);

        // then
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 0, "a"))).isEqualTo(new AppendResult(0, 0, -1, true));
        assertThat(q.append(Batches.idempotent(7L, (short) 0, 1, "b"))).isEqualTo(new AppendResult(1, 1, -1, true));
        assertThat(q.append(Batches.idempotent(9L, (short) 0, 0, "other"))).isEqualTo(new AppendResult(2, 2, -1, true));
    }

    // ------------------------------------------------------------------ durability

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

    // ------------------------------------------------------------------ segments

    private List<Long> segmentSizes(PartitionLog p) throws IOException {
        List<Long> sizes = new ArrayList<>();
        for (long base : p.segmentBaseOffsets()) {
            sizes.add(Files.size(SegmentFiles.log(p.dir(), base)));
        }
        return sizes;
    }

    @Test
    void rollsBySegmentBytes() throws IOException {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024"));

        // when
        for (int i = 0; i < 60; i++) {
            p.append(Batches.of(1000 + i, "value-" + i));
        }
        p.flush();

        // then
        List<Long> sizes = segmentSizes(p);
        assertThat(p.segmentCount()).isGreaterThan(3);
        assertThat(sizes).as("segment sizes").allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(1024));
        assertThat(sizes.subList(0, sizes.size() - 1)).as("inactive segments are nearly full")
                .allSatisfy(s -> assertThat(s).isGreaterThan(1024 - 100));
        assertThat(readAll(p)).hasSize(60);
    }

    @Test
    void batchLargerThanSegmentBytesGetsASegmentOfItsOwn() throws IOException {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "128"));

        for (int i = 0; i < 3; i++) {
            p.append(Batches.sized(2, 200, 1000, Compression.NONE));
        }
        p.flush();

        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 2L, 4L);
        assertThat(readAll(p)).hasSize(6);
    }

    @Test
    void rollsBySegmentMs() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_MS, "1000"));

        p.append(Batches.of(1000, "a"));
        time.advance(600);
        p.append(Batches.of(1000, "b"));
        time.advance(400);
        p.append(Batches.of(1000, "c"));
        assertThat(p.segmentBaseOffsets()).as("segments at exactly segment.ms").containsExactly(0L);
        time.advance(1);
        p.append(Batches.of(1000, "d"));
        time.advance(1001);
        p.append(Batches.of(1000, "e"));

        assertThat(p.segmentBaseOffsets()).containsExactly(0L, 3L, 4L);
        p.flush();
        assertThat(readAll(p).values()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void rollsWhenTheIndexesAreFull() throws IOException {
        // given indexes of 48 bytes (6 offset entries, 4 time entries) and an entry per batch
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_INDEX_BYTES, "48",
                TopicConfig.INDEX_INTERVAL_BYTES, "0"));

        // when
        for (int i = 0; i < 40; i++) {
            p.append(Batches.of(1000 + i, "v" + i));
        }
        p.flush();

        // then
        assertThat(p.segmentCount()).isGreaterThan(5);
        for (long base : p.segmentBaseOffsets()) {
            assertThat(Files.size(SegmentFiles.index(p.dir(), base))).as("offset index of %d", base).isLessThanOrEqualTo(48);
            assertThat(Files.size(SegmentFiles.timeIndex(p.dir(), base))).as("time index of %d", base).isLessThanOrEqualTo(48);
        }
        for (int i = 0; i < 40; i++) {
            assertThat(p.offsetForTimestamp(1000 + i)).as("timestamp %d", 1000 + i).contains(new TimestampOffset(1000 + i, i));
        }
        PartitionLog q = reopen();
        assertThat(readAll(q)).hasSize(40);
        assertThat(q.offsetForTimestamp(1039)).contains(new TimestampOffset(1039, 39));
    }

    @Test
    void appendOfManyBatchesAtOnceOnASmallIndexSucceeds() {
        // given a partition whose indexes hold few entries
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_INDEX_BYTES, "48",
                TopicConfig.INDEX_INTERVAL_BYTES, "0"));
        MemoryRecords[] batches = new MemoryRecords[20];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = Batches.of(1000 + i, "v" + i);
        }

        // when: one append carries 20 batches (more than the indexes can hold)
        AppendResult r = p.append(concat(batches));
        p.append(Batches.of(2000, "after"));
        p.flush();

        // then
        assertThat(r.firstOffset()).isZero();
        assertThat(r.lastOffset()).isEqualTo(19);
        assertThat(readAll(p)).hasSize(21);
        assertThat(p.offsetForTimestamp(1019)).contains(new TimestampOffset(1019, 19));
        assertThat(p.offsetForTimestamp(1500)).contains(new TimestampOffset(2000, 20));
    }

    @Test
    void loweringSegmentIndexBytesKeepsExistingSegmentsUsableAfterRestart() {
        // given a segment with many index entries
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.INDEX_INTERVAL_BYTES, "0"));
        for (int i = 0; i < 30; i++) {
            p.append(Batches.of(1000 + i, "v" + i));
        }
        p.roll();
        p.append(Batches.of(2000, "active"));

        // when the index size is lowered below what the segment holds, and the log restarts
        log.alterTopicConfig("t", Map.of(TopicConfig.SEGMENT_INDEX_BYTES, "48"));
        PartitionLog q = reopen();

        // then
        assertThat(readAll(q)).hasSize(31);
        assertThat(q.offsetForTimestamp(1029)).contains(new TimestampOffset(1029, 29));
        assertThat(q.append(Batches.of(3000, "more")).firstOffset()).isEqualTo(31);
    }

    // ------------------------------------------------------------------ timestamp search

    @Test
    void offsetForTimestampAcrossSegmentsMatchesBruteForce() {
        // given out-of-order timestamps over many small, sparsely indexed segments
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.INDEX_INTERVAL_BYTES, "150"));
        Random random = new Random(5);
        List<long[]> records = new ArrayList<>(); // {offset, timestamp}
        long next = 0;
        for (int b = 0; b < 120; b++) {
            int count = 1 + random.nextInt(4);
            long[] ts = new long[count];
            for (int i = 0; i < count; i++) {
                ts[i] = 10_000 + random.nextInt(200);
                records.add(new long[] {next + i, ts[i]});
            }
            p.append(Batches.timed(ts, "r"));
            next += count;
        }
        p.flush();
        assertThat(p.segmentCount()).isGreaterThan(5);

        // then: before and after a restart
        assertTimestampSearchMatches(p, records, "before restart");
        assertTimestampSearchMatches(reopen(), records, "after restart");
    }

    private static void assertTimestampSearchMatches(PartitionLog p, List<long[]> records, String when) {
        for (long target = 9_998; target <= 10_202; target++) {
            Optional<TimestampOffset> expected = Optional.empty();
            for (long[] r : records) {
                if (r[1] >= target) {
                    expected = Optional.of(new TimestampOffset(r[1], r[0]));
                    break;
                }
            }
            assertThat(p.offsetForTimestamp(target)).as("%s: first offset with timestamp >= %d", when, target)
                    .isEqualTo(expected);
        }
    }

    // ------------------------------------------------------------------ retention

    /** Appends batches of one record each with the given timestamps; returns the record timestamps. */
    private static void appendTimed(PartitionLog p, long timestamp, int count) {
        for (int i = 0; i < count; i++) {
            p.append(Batches.of(timestamp, "r" + i + "-" + "x".repeat(40)));
        }
    }

    @Test
    void retentionMsDeletesWholeExpiredSegmentsButNeverTheActiveOne() throws IOException {
        // given old records, then recent ones, in segments of ~1 KiB
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.RETENTION_MS, "100000"));
        long old = START_MS - 500_000;
        appendTimed(p, old, 40);
        appendTimed(p, START_MS, 40);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();
        long firstRecent = 40;

        // when
        log.runMaintenance();

        // then: every segment wholly below offset 40 is gone; the one holding offset 40 stays
        long expectedStart = before.stream().filter(b -> b <= firstRecent).mapToLong(Long::longValue).max().orElseThrow();
        assertThat(p.logStartOffset()).isEqualTo(expectedStart);
        assertThat(p.segmentBaseOffsets()).isEqualTo(before.subList(before.indexOf(expectedStart), before.size()));
        assertThatThrownBy(() -> p.read(expectedStart - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(p.read(expectedStart, 100).records().batches().iterator().next().baseOffset()).isEqualTo(expectedStart);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG + SegmentFiles.DELETED))
                .hasSize(before.indexOf(expectedStart));

        // when everything has expired, including the active segment
        time.advance(1_000_000);
        log.runMaintenance();

        // then the active segment stays
        long active = before.get(before.size() - 1);
        assertThat(p.segmentBaseOffsets()).containsExactly(active);
        assertThat(p.logStartOffset()).isEqualTo(active);
        assertThat(readAll(p)).hasSize((int) (80 - active));
    }

    @Test
    void retentionBytesDeletesOldestWholeSegmentsAboveTheLimit() throws IOException {
        // given
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.RETENTION_BYTES, "3000"));
        appendTimed(p, START_MS, 80);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();

        // when
        log.runMaintenance();

        // then: the oldest segments went, as long as at least retention.bytes remain
        List<Long> after = p.segmentBaseOffsets();
        assertThat(after.size()).isLessThan(before.size());
        assertThat(after).isEqualTo(before.subList(before.size() - after.size(), before.size()));
        List<Long> sizes = segmentSizes(p);
        assertThat(p.sizeInBytes()).as("bytes kept").isGreaterThanOrEqualTo(3000);
        assertThat(p.sizeInBytes() - sizes.get(0)).as("bytes kept without the oldest segment").isLessThan(3000);
        assertThat(p.logStartOffset()).isEqualTo(after.get(0));

        // and a limit of 0 leaves only the active segment
        log.alterTopicConfig("t", Map.of(TopicConfig.RETENTION_BYTES, "0"));
        log.runMaintenance();
        assertThat(p.segmentBaseOffsets()).containsExactly(before.get(before.size() - 1));
    }

    @Test
    void logStartOffsetSurvivesRestart() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();
        log.runMaintenance();
        long start = p.logStartOffset();
        assertThat(start).isPositive();

        PartitionLog q = reopen();

        assertThat(q.logStartOffset()).isEqualTo(start);
        assertThat(q.segmentBaseOffsets()).containsExactly(start);
        assertThatThrownBy(() -> q.read(0, 100)).isInstanceOfSatisfying(OffsetOutOfRangeException.class,
                e -> assertThat(e.logStartOffset()).isEqualTo(start));
        assertThat(readAll(q)).hasSize((int) (40 - start));
    }

    @Test
    void deletedSegmentsStayReadableUntilTheDeleteDelayPasses() throws IOException {
        // given a read taken before retention deletes its segment (file.delete.delay.ms is 60 s by default)
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();
        List<Long> before = p.segmentBaseOffsets();
        ReadResult inFlight = p.read(0, 1 << 20);
        List<String> expected = values(p.read(0, 1 << 20).records());

        // when
        log.runMaintenance();

        // then: the files are renamed, not removed, and the read still works
        assertThat(p.logStartOffset()).isPositive();
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG)).hasSize(1);
        int deleted = before.size() - 1;
        assertThat(deleted).isPositive();
        assertThat(filesEndingWith(p.dir(), SegmentFiles.LOG + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.INDEX + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(filesEndingWith(p.dir(), SegmentFiles.TIME_INDEX + SegmentFiles.DELETED)).hasSize(deleted);
        assertThat(SegmentFiles.log(p.dir(), 0)).doesNotExist();
        assertThat(values(inFlight.records())).isEqualTo(expected).isNotEmpty();
    }

    @Test
    void deletedSegmentFilesAreRemovedAfterTheDeleteDelay() {
        PartitionLog p = topic(config(NO_AUTO_FLUSH, TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_BYTES, "0",
                TopicConfig.FILE_DELETE_DELAY_MS, "0"));
        appendTimed(p, START_MS, 40);
        p.flush();

        log.runMaintenance();

        assertThat(p.logStartOffset()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> filesEndingWith(p.dir(), SegmentFiles.DELETED).isEmpty());
        assertThat(SegmentFiles.log(p.dir(), p.logStartOffset())).exists();
    }

    @Test
    void acceptsConsecutiveBatchesOfOneProducerInOneAppendAndRefusesAGapBetweenThem() {
        log = LogManager.open(LogManagerConfig.defaults(dir));
        log.createTopic("multi", 1, Map.of());
        PartitionLog p = log.partition("multi", 0);
        java.nio.ByteBuffer two = java.nio.ByteBuffer.allocate(4096);
        two.put(Batches.idempotent(7L, (short) 0, 0, "a", "b").buffer());
        two.put(Batches.idempotent(7L, (short) 0, 2, "c").buffer());
        two.flip();

        AppendResult r = p.append(org.apache.kafka.common.record.MemoryRecords.readableRecords(two));

        assertThat(r.firstOffset()).isEqualTo(0);
        assertThat(r.lastOffset()).isEqualTo(2);
        java.nio.ByteBuffer gap = java.nio.ByteBuffer.allocate(4096);
        gap.put(Batches.idempotent(8L, (short) 0, 0, "x").buffer());
        gap.put(Batches.idempotent(8L, (short) 0, 5, "y").buffer());
        gap.flip();
        assertThatThrownBy(() -> p.append(org.apache.kafka.common.record.MemoryRecords.readableRecords(gap)))
                .isInstanceOf(ProducerStateException.class)
                .hasMessageContaining("same append");
        assertThat(p.logEndOffset()).as("log end after the refused append").isEqualTo(3);
    }
}
