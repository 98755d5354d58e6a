package io.sluice.registry.client;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Configuration keys of {@link AvroSerializer} and {@link AvroDeserializer}, named as Confluent names them. */
public final class AvroSerdeConfig {
    /** Base URL(s) of the schema registry, comma-separated. Required unless a client is given. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Serializer: register the record's schema under the subject if it is not there (default true). */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Deserializer: return generated SpecificRecord classes rather than GenericRecords (default false). */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    /** Deserializer: the reader schema (Avro JSON) to resolve every writer's schema to. */
    public static final String READER_SCHEMA = "sluice.reader.schema";
    /** A {@link SchemaRegistryClient} instance to use instead of one built from {@link #SCHEMA_REGISTRY_URL}. */
    public static final String SCHEMA_REGISTRY_CLIENT = "sluice.schema.registry.client";
    /** Connection-failure retries of the HTTP client (default 3). */
    public static final String SCHEMA_REGISTRY_MAX_RETRIES = "sluice.schema.registry.max.retries";

    private AvroSerdeConfig() {}

    static SchemaRegistryClient client(Map<String, ?> configs) {
        Object given = configs.get(SCHEMA_REGISTRY_CLIENT);
        if (given != null) {
            if (!(given instanceof SchemaRegistryClient c)) {
                throw new ConfigException(SCHEMA_REGISTRY_CLIENT, given, "must be a " + SchemaRegistryClient.class.getName() + " instance");
            }
            return c;
        }
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException("Missing required configuration \"" + SCHEMA_REGISTRY_URL + "\"");
        }
        int retries = intValue(configs, SCHEMA_REGISTRY_MAX_RETRIES, CachedSchemaRegistryClient.DEFAULT_MAX_RETRIES);
        try {
            return new CachedSchemaRegistryClient(CachedSchemaRegistryClient.parseUrls(url.toString()), retries,
                    CachedSchemaRegistryClient.DEFAULT_TIMEOUT, java.time.Duration.ofMillis(100));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url, e.getMessage());
        }
    }

    static boolean booleanValue(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim();
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ConfigException(key, v, "must be true or false");
    }

    static int intValue(Map<String, ?> configs, String key, int dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "must be an integer");
        }
    }
}
