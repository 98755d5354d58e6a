package io.sluice.log.internals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and the metadata of its last
 * {@value #CACHED_BATCHES} batches (sequence range and the offsets they were given), so that a re-sent
 * batch is recognised and answered with its original offsets, and a gap in sequences is refused.
 *
 * <p>The state is rebuilt on start from the latest snapshot at or below the log end plus a replay of the
 * batches after it. Snapshot file ({@code <offset>.snapshot}, big-endian):
 * <pre>
 *   magic i32 'SPS1' | entry count i32 | entries | crc32c i32 (over everything before it)
 *   entry: producer id i64 | epoch i16 | batch count i32 | batch*
 *   batch: first seq i32 | last seq i32 | first offset i64 | last offset i64 | max timestamp i64
 * </pre>
 *
 * <p>Not thread-safe: used under the partition's append lock.
 */
public final class ProducerStateManager {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);
    public static final int CACHED_BATCHES = 5;
    private static final int MAGIC = 0x53505331; // "SPS1"
    private static final int SNAPSHOTS_KEPT = 2;

    /** The sequence range of one appended batch and the offsets it was given. */
    public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long maxTimestamp) {
    }

    /** A producer's epoch and its most recent batches, oldest first. */
    public static final class ProducerEntry {
        final short epoch;
        final ArrayDeque<BatchMetadata> batches;

        ProducerEntry(short epoch, ArrayDeque<BatchMetadata> batches) {
            this.epoch = epoch;
            this.batches = batches;
        }

        public short epoch() {
            return epoch;
        }

        public List<BatchMetadata> batches() {
            return List.copyOf(batches);
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }
    }

    /** Outcome of {@link #check}: a duplicate's original metadata, or null for a new batch. */
    public sealed interface Verdict permits Verdict.Fresh, Verdict.Duplicate, Verdict.Rejected {
        record Fresh() implements Verdict {
        }

        record Duplicate(BatchMetadata original) implements Verdict {
        }

        record Rejected(boolean fencedEpoch, String reason) implements Verdict {
        }
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /** Decides what to do with {@code batch} without changing any state. */
    public Verdict check(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return new Verdict.Fresh();
        }
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) {
            // No state (new producer, or its state expired with retention): any sequence is accepted, as in Kafka.
            return new Verdict.Fresh();
        }
        if (batch.producerEpoch() < entry.epoch) {
            return new Verdict.Rejected(true, "producer " + batch.producerId() + " epoch " + batch.producerEpoch()
                    + " is older than the current epoch " + entry.epoch);
        }
        if (batch.producerEpoch() > entry.epoch) {
            return batch.baseSequence() == 0 ? new Verdict.Fresh()
                    : new Verdict.Rejected(false, "producer " + batch.producerId() + " started epoch "
                    + batch.producerEpoch() + " with sequence " + batch.baseSequence() + " instead of 0");
        }
        for (BatchMetadata b : entry.batches) {
            if (b.firstSeq() == batch.baseSequence() && b.lastSeq() == batch.lastSequence()) {
                return new Verdict.Duplicate(b);
            }
        }
        int last = entry.lastSeq();
        if (last != RecordBatch.NO_SEQUENCE && batch.baseSequence() != nextSequence(last)) {
            return new Verdict.Rejected(false, "producer " + batch.producerId() + " sent sequence "
                    + batch.baseSequence() + " but " + nextSequence(last) + " was expected");
        }
        return new Verdict.Fresh();
    }

    /** Records a batch that was appended with its final offsets. */
    public void update(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null || batch.producerEpoch() > entry.epoch) {
            entry = new ProducerEntry(batch.producerEpoch(), new ArrayDeque<>());
            producers.put(batch.producerId(), entry);
        }
        entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                batch.lastOffset(), batch.maxTimestamp()));
        while (entry.batches.size() > CACHED_BATCHES) {
            entry.batches.removeFirst();
        }
    }

    public Map<Long, ProducerEntry> producers() {
        return Collections.unmodifiableMap(producers);
    }

    public void clear() {
        producers.clear();
    }

    static int nextSequence(int seq) {
        return seq == Integer.MAX_VALUE ? 0 : seq + 1;
    }

    /** Writes {@code <offset>.snapshot} durably and keeps only the newest few. */
    public void writeSnapshot(FileIO io, Path dir, long offset) throws IOException {
        int size = 8;
        for (ProducerEntry e : producers.values()) {
            size += 14 + e.batches.size() * 32;
        }
        ByteBuffer buf = ByteBuffer.allocate(size + 4);
        buf.putInt(MAGIC).putInt(producers.size());
        producers.forEach((pid, e) -> {
            buf.putLong(pid).putShort(e.epoch).putInt(e.batches.size());
            for (BatchMetadata b : e.batches) {
                buf.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset())
                        .putLong(b.maxTimestamp());
            }
        });
        buf.putInt((int) Crc32C.compute(buf.array(), 0, size));
        AtomicFile.write(io, SegmentFiles.snapshot(dir, offset), buf.array());
        List<Long> offsets = snapshotOffsets(dir);
        for (int i = 0; i < offsets.size() - SNAPSHOTS_KEPT; i++) {
            io.deleteIfExists(SegmentFiles.snapshot(dir, offsets.get(i)));
        }
    }

    /**
     * Loads the newest readable snapshot at or below {@code maxOffset}, deleting those above it (their
     * data was truncated). Returns the snapshot's offset, or empty when none could be read.
     */
    public OptionalLong loadLatestSnapshot(FileIO io, Path dir, long maxOffset) throws IOException {
        producers.clear();
        List<Long> offsets = snapshotOffsets(dir);
        boolean deleted = false;
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long off = offsets.get(i);
            Path p = SegmentFiles.snapshot(dir, off);
            if (off > maxOffset) {
                io.deleteIfExists(p);
                deleted = true;
                continue;
            }
            if (deleted) {
                // before anything is appended above maxOffset: a snapshot of the truncated history brought back
                // by a second power loss would be taken for the state at its offset once the log grows past it
                io.fsyncDirectory(dir);
                deleted = false;
            }
            if (read(Files.readAllBytes(p))) {
                return OptionalLong.of(off);
            }
            LOG.warn("Ignoring unreadable producer-state snapshot {}", p);
            producers.clear();
        }
        if (deleted) {
            io.fsyncDirectory(dir);
        }
        return OptionalLong.empty();
    }

    /**
     * Forgets producers whose newest batch is older than {@code expirationMs} (Kafka's
     * {@code producer.id.expiration.ms}): without it every producer id that ever wrote stays in memory and in
     * every snapshot. A producer that writes again after expiring is accepted as new, as in Kafka.
     * Returns how many were removed.
     */
    public int removeExpired(long nowMs, long expirationMs) {
        int before = producers.size();
        producers.values().removeIf(e -> !e.batches.isEmpty() && e.batches.peekLast().maxTimestamp() >= 0
                && nowMs - e.batches.peekLast().maxTimestamp() >= expirationMs);
        return before - producers.size();
    }

    private boolean read(byte[] bytes) {
        if (bytes.length < 12) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int crc = buf.getInt(bytes.length - 4);
        if (crc != (int) Crc32C.compute(bytes, 0, bytes.length - 4) || buf.getInt() != MAGIC) {
            return false;
        }
        try {
            int n = buf.getInt();
            for (int i = 0; i < n; i++) {
                long pid = buf.getLong();
                short epoch = buf.getShort();
                int nb = buf.getInt();
                ArrayDeque<BatchMetadata> batches = new ArrayDeque<>();
                for (int j = 0; j < nb; j++) {
                    batches.add(new BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(), buf.getLong()));
                }
                producers.put(pid, new ProducerEntry(epoch, batches));
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static List<Long> snapshotOffsets(Path dir) throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SegmentFiles.SNAPSHOT))
                    .forEach(n -> SegmentFiles.offsetOf(n).ifPresent(offsets::add));
        }
        offsets.sort(Comparator.naturalOrder());
        return offsets;
    }
}
