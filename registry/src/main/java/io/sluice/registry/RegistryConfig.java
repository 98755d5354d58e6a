package io.sluice.registry;

import java.util.Objects;

/**
 * Where the registry listens and which Kafka cluster keeps its schemas.
 *
 * @param listenHost HTTP listen address, e.g. {@code 127.0.0.1}
 * @param listenPort HTTP listen port; 0 picks a free port (see {@link SchemaRegistry#port()})
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param topic the compacted topic holding the schemas ({@code _schemas} by default)
 */
public record RegistryConfig(String listenHost, int listenPort, String bootstrapServers, String topic) {
    public static final String DEFAULT_TOPIC = "_schemas";

    public RegistryConfig {
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (topic == null || topic.isBlank()) {
            topic = DEFAULT_TOPIC;
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listenPort out of range: " + listenPort);
        }
    }

    public RegistryConfig(String listenHost, int listenPort, String bootstrapServers) {
        this(listenHost, listenPort, bootstrapServers, DEFAULT_TOPIC);
    }
}
