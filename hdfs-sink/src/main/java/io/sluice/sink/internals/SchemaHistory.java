package io.sluice.sink.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.sink.SchemaSource;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The file schemas a table has been written with, oldest first, kept in the table itself
 * ({@code _sluice/schemas/}) so the table can be read back whole without the registry. Versions are
 * keyed by Avro's parsing fingerprint, which leaves out docs and aliases: a schema that differs only
 * in those is the same version and changes nothing.
 *
 * <p>Each new version must be able to read every earlier one (BACKWARD_TRANSITIVE, Avro's own resolution
 * rules), whatever compatibility level the registry subject has, so the latest version reads the whole
 * table. Thread-safe.
 */
public final class SchemaHistory {
    /**
     * One version: its number in the table (from 1; 0 in histories written before numbers were kept), its
     * fingerprint, the registry id it first came with, when it was added, and the schema.
     */
    public record Version(long number, long fingerprint, int registryId, long addedAt, Schema schema) {}

    private final SinkFileSystem sfs;
    private final Path dir;
    private final SchemaSource source;
    private final boolean metadataField;
    private final Map<Long, Version> byFingerprint = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> fileSchemaById = new ConcurrentHashMap<>();

    public SchemaHistory(SinkFileSystem sfs, Path dir, SchemaSource source, boolean metadataField) throws IOException {
        this.sfs = sfs;
        this.dir = dir;
        this.source = source;
        this.metadataField = metadataField;
        reload();
    }

    /** Reads the versions on disk, including ones another writer added. */
    public synchronized void reload() throws IOException {
        FileStatus[] files;
        try {
            files = sfs.fs().listStatus(dir);
        } catch (FileNotFoundException e) {
            return;
        }
        for (FileStatus f : files) {
            if (f.getPath().getName().endsWith(".json") && !TablePaths.isHidden(f.getPath().getName())) {
                Version v = read(f.getPath());
                byFingerprint.putIfAbsent(v.fingerprint(), v);
            }
        }
    }

    public List<Version> versions() {
        List<Version> all = new ArrayList<>(byFingerprint.values());
        // by number, not by time alone: two versions added within one millisecond (or on hosts whose clocks
        // disagree) must still come out in the order they were added, or latest() could be the older one
        all.sort(Comparator.comparingLong(Version::number).thenComparingLong(Version::addedAt)
                .thenComparingLong(Version::fingerprint));
        return all;
    }

    /** The newest version, the schema the whole table reads back with; null while the table is empty. */
    public Schema latest() {
        List<Version> all = versions();
        return all.isEmpty() ? null : all.get(all.size() - 1).schema();
    }

    /**
     * The file schema for rows with registry schema {@code schemaId}, adding it to the history first if it is
     * new. Throws {@link IncompatibleSchemaException} if the history cannot take it.
     */
    public Schema fileSchemaFor(int schemaId) throws IOException {
        Schema known = fileSchemaById.get(schemaId);
        if (known != null) {
            return known;
        }
        Schema writer = source.schema(schemaId);
        Schema file;
        try {
            file = RowSchemas.fileSchema(writer, metadataField);
        } catch (IllegalArgumentException e) {
            throw new IncompatibleSchemaException("writer schema id " + schemaId + " cannot be a row of this table: "
                    + e.getMessage());
        }
        long fp = SchemaNormalization.parsingFingerprint64(file);
        if (!byFingerprint.containsKey(fp)) {
            add(schemaId, file, fp);
        }
        fileSchemaById.put(schemaId, file);
        return file;
    }

    private synchronized void add(int schemaId, Schema file, long fp) throws IOException {
        reload();
        if (byFingerprint.containsKey(fp)) {
            return;
        }
        for (Version old : versions()) {
            SchemaCompatibility.SchemaPairCompatibility c =
                    SchemaCompatibility.checkReaderWriterCompatibility(file, old.schema());
            if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new IncompatibleSchemaException("writer schema id " + schemaId + " (" + file.getFullName()
                        + ") cannot read the table's version first seen as schema id " + old.registryId() + ": "
                        + c.getDescription() + " (" + c.getResult().getIncompatibilities() + ")");
            }
        }
        long number = 1;
        for (Version old : versions()) {
            number = Math.max(number, old.number() + 1);
        }
        ObjectNode node = Journal.JSON.createObjectNode();
        node.put("number", number);
        node.put("fingerprint", fp);
        node.put("registryId", schemaId);
        node.put("addedAt", System.currentTimeMillis());
        node.set("schema", Journal.JSON.readTree(file.toString()));
        String name = String.format(Locale.ROOT, "%016x.json", fp);
        Path tmp = new Path(dir, "_tmp." + UUID.randomUUID());
        try {
            sfs.writeAtomically(tmp, new Path(dir, name), Journal.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
        } catch (FileAlreadyExistsException e) {
            // another writer of this table added the same version first; theirs is as good as ours
            sfs.deleteIfExists(tmp);
        }
        reload();
    }

    private Version read(Path path) throws IOException {
        try (InputStream in = sfs.fs().open(path)) {
            JsonNode n = Journal.JSON.readTree(in);
            return new Version(n.path("number").asLong(0), n.get("fingerprint").asLong(), n.get("registryId").asInt(), n.get("addedAt").asLong(),
                    new Schema.Parser().parse(n.get("schema").toString()));
        }
    }

    /** A writer schema the table's history cannot take. */
    public static final class IncompatibleSchemaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public IncompatibleSchemaException(String message) {
            super(message);
        }
    }
}
