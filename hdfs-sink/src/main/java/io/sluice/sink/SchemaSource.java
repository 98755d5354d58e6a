package io.sluice.sink;

import org.apache.avro.Schema;

/** Where the writer finds the Avro schema a record's schema id names (in a pipeline: the schema registry). */
@FunctionalInterface
public interface SchemaSource {
    /** The schema with this id; throws if it is unknown. */
    Schema schema(int id);
}
