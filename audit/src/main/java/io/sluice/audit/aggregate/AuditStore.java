package io.sluice.audit.aggregate;

import io.sluice.audit.AuditMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's durable state in a local directory: one snapshot file holding the ledger and the audit
 * topic offsets it was built from, so that a restart resumes exactly where the state ends (a message
 * consumed again after a crash is idempotent anyway; the offsets make a restart cheap, not correct).
 *
 * <pre>
 *   DIR/audit-ledger.snapshot
 *   +----------+-------------------------------------------+-------------------+
 *   | "SLAUDIT1" | Avro binary AuditSnapshot (schema below) | CRC32C, 4 bytes BE |
 *   +----------+-------------------------------------------+-------------------+
 *   AuditSnapshot { audit_topic: string, written_at: long,
 *                   offsets: [ {partition: int, next_offset: long} ],   // next offset to consume
 *                   messages: [ bytes ] }                                // AuditLedger.messages(), encoded
 * </pre>
 *
 * The checksum covers the magic and the body. A snapshot is written to {@code audit-ledger.snapshot.tmp},
 * forced to disk, renamed over the old one (atomically), and the directory forced, so the file on disk is
 * always a whole snapshot, old or new. A leftover {@code .tmp} is an unfinished write and is deleted on
 * load. A snapshot that fails its checksum is refused with its path: deleting it makes the aggregator
 * rebuild from the start of the audit topic (correct as long as the topic still holds every message).
 *
 * <p>Not thread-safe: one aggregator owns a directory.
 */
public final class AuditStore {
    private static final Logger LOG = LoggerFactory.getLogger(AuditStore.class);
    static final String FILE = "audit-ledger.snapshot";
    private static final byte[] MAGIC = "SLAUDIT1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static final Schema SCHEMA = SchemaBuilder.record("AuditSnapshot").namespace("io.sluice.audit")
            .fields()
            .requiredString("audit_topic")
            .requiredLong("written_at")
            .name("offsets").type().array().items(SchemaBuilder.record("Offset").fields()
                    .requiredInt("partition")
                    .requiredLong("next_offset")
                    .endRecord()).noDefault()
            .name("messages").type().array().items().bytesType().noDefault()
            .endRecord();
    private static final Schema OFFSET = SCHEMA.getField("offsets").schema().getElementType();

    /** A loaded snapshot: the audit topic it was built from, the next offsets per partition, the ledger. */
    public record Snapshot(String auditTopic, long writtenAt, Map<Integer, Long> nextOffsets, AuditLedger ledger) {}

    private final Path dir;

    public AuditStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    /** The last snapshot written, or empty if there is none. */
    public Optional<Snapshot> load() {
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            if (Files.deleteIfExists(tmp)) {
                LOG.info("Deleted the unfinished audit snapshot {}", tmp);
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file());
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            return Optional.of(decode(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit snapshot " + file() + ": " + e.getMessage(), e);
        }
    }

    private Snapshot decode(byte[] bytes) {
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw corrupt("it does not start with " + new String(MAGIC, java.nio.charset.StandardCharsets.US_ASCII));
        }
        int bodyEnd = bytes.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bodyEnd);
        int stored = ByteBuffer.wrap(bytes, bodyEnd, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw corrupt("its checksum is " + Integer.toHexString((int) crc.getValue()) + ", the file says "
                    + Integer.toHexString(stored));
        }
        GenericRecord r;
        try {
            r = new GenericDatumReader<GenericRecord>(SCHEMA).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, MAGIC.length, bodyEnd - MAGIC.length, null));
        } catch (IOException | RuntimeException e) {
            throw corrupt("its body does not decode (" + e + ")");
        }
        Map<Integer, Long> offsets = new TreeMap<>();
        for (Object o : (List<?>) r.get("offsets")) {
            GenericRecord g = (GenericRecord) o;
            offsets.put((Integer) g.get("partition"), (Long) g.get("next_offset"));
        }
        AuditLedger ledger = new AuditLedger();
        for (Object o : (List<?>) r.get("messages")) {
            ByteBuffer b = (ByteBuffer) o;
            byte[] m = new byte[b.remaining()];
            b.get(m);
            ledger.apply(AuditMessage.decode(m));
        }
        return new Snapshot(r.get("audit_topic").toString(), (Long) r.get("written_at"), offsets, ledger);
    }

    private IllegalStateException corrupt(String why) {
        return new IllegalStateException("the audit snapshot " + file() + " is damaged: " + why
                + "; delete it to rebuild the audit state from the start of the audit topic");
    }

    /** Writes the ledger and the next offsets to consume as the new snapshot (tmp, fsync, rename, fsync dir). */
    public void save(String auditTopic, Map<Integer, Long> nextOffsets, AuditLedger ledger, long writtenAt) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("audit_topic", auditTopic);
        r.put("written_at", writtenAt);
        List<GenericRecord> offsets = new ArrayList<>();
        new TreeMap<>(nextOffsets).forEach((p, o) -> {
            GenericData.Record g = new GenericData.Record(OFFSET);
            g.put("partition", p);
            g.put("next_offset", o);
            offsets.add(g);
        });
        r.put("offsets", offsets);
        List<ByteBuffer> messages = new ArrayList<>();
        for (AuditMessage m : ledger.messages()) {
            messages.add(ByteBuffer.wrap(m.encode()));
        }
        r.put("messages", messages);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(MAGIC);
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, enc);
            enc.flush();
            CRC32C crc = new CRC32C();
            byte[] body = out.toByteArray();
            crc.update(body);
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer all = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).flip();
                while (all.hasRemaining()) {
                    ch.write(all);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
            forceDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit snapshot " + file() + ": " + e.getMessage(), e);
        }
    }

    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory for reading; the rename is still atomic there
            LOG.debug("cannot force the directory {} ({})", dir, e.toString());
        }
    }
}
