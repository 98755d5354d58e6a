package io.sluice.registry.client;

import org.apache.avro.Schema;

/**
 * The calls a producer or consumer makes to a schema registry that speaks Confluent's REST API.
 *
 * <p>Every method throws {@link SchemaRegistryException} when the registry refuses the call (it carries the HTTP
 * status and the registry's {@code error_code}) or cannot be reached.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with global id {@code id}; error code 40403 when the registry does not know the id. */
    Schema getById(int id);

    /** The latest version registered under {@code subject}; error code 40401 when the subject does not exist. */
    RegisteredSchema getLatest(String subject);

    /**
     * The id of {@code schema} if it is registered under {@code subject}, without registering it; error code
     * 40401 (subject not found) or 40403 (schema not found in the subject) otherwise.
     */
    int lookup(String subject, Schema schema);
}
