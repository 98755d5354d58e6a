package io.sluice.pipeline.internals;

import io.sluice.registry.client.CachedSchemaRegistryClient;
import io.sluice.registry.client.SchemaRegistryClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One caching registry client per registry URL per JVM, shared by every step instance: schemas by id never change,
 * so a schema fetched once serves all of them (the decode steps and the table writers alike).
 */
public final class Registries {
    private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

    private Registries() {}

    public static SchemaRegistryClient client(String url) {
        return CLIENTS.computeIfAbsent(url, CachedSchemaRegistryClient::new);
    }
}
