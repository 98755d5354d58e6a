package io.sluice.registry.client;

import java.util.Objects;
import org.apache.avro.Schema;

/** One version of a subject: its global schema id, its version within the subject, and the schema. */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
    public RegisteredSchema {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
