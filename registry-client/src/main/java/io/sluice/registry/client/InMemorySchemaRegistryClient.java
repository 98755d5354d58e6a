package io.sluice.registry.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry in memory, for unit tests of applications that produce or consume Avro. Ids are assigned like the
 * registry assigns them: one global counter from 1, and a schema that parses to the same schema gets the same id in
 * every subject. Registering a schema a subject already has returns its id without adding a version. No
 * compatibility checks are made.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    /** subject -> ids in version order (version = index + 1) */
    private final Map<String, List<Integer>> versions = new HashMap<>();
    private int nextId = 1;

    @Override
    public synchronized int register(String subject, Schema schema) {
        Integer id = idBySchema.get(schema);
        if (id == null) {
            id = nextId++;
            idBySchema.put(schema, id);
            schemaById.put(id, schema);
        }
        List<Integer> ids = versions.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!ids.contains(id)) {
            ids.add(id);
        }
        return id;
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemaById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema getLatest(String subject) {
        List<Integer> ids = subjectVersions(subject);
        int id = ids.get(ids.size() - 1);
        return new RegisteredSchema(subject, id, ids.size(), schemaById.get(id));
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        return lookupVersion(subject, schema).id();
    }

    /** Like {@link #lookup}, with the version of the schema within the subject. */
    public synchronized RegisteredSchema lookupVersion(String subject, Schema schema) {
        List<Integer> ids = subjectVersions(subject);
        Integer id = idBySchema.get(schema);
        int index = id == null ? -1 : ids.indexOf(id);
        if (index < 0) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found in subject '" + subject + "'");
        }
        return new RegisteredSchema(subject, id, index + 1, schemaById.get(id));
    }

    private List<Integer> subjectVersions(String subject) {
        List<Integer> ids = versions.get(subject);
        if (ids == null || ids.isEmpty()) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return ids;
    }
}
