package io.sluice.registry.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A producer application must be able to use this module without Beam, Hadoop or Netty. The build writes the
 * module's resolved runtime classpath (compile + runtime scope) to target/runtime-classpath.txt
 * (maven-dependency-plugin build-classpath, includeScope=runtime); this test reads it.
 */
class RuntimeClasspathTest {
    @Test
    void runtimeClasspathHasNoBeamHadoopOrNettyArtifact() throws IOException {
        Path file = Path.of("target", "runtime-classpath.txt");
        assertThat(file).as("classpath file written by maven-dependency-plugin").exists();

        List<String> entries = Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(s -> s.replace(File.separatorChar, '/')).toList();

        assertThat(entries).as("runtime classpath").isNotEmpty()
                .anyMatch(e -> e.contains("/org/apache/kafka/kafka-clients/"))
                .anyMatch(e -> e.contains("/org/apache/avro/avro/"));
        assertThat(entries).as("runtime classpath entries from Beam, Hadoop or Netty")
                .noneMatch(e -> e.contains("/org/apache/beam/"))
                .noneMatch(e -> e.contains("/org/apache/hadoop/"))
                .noneMatch(e -> e.contains("/io/netty/"))
                .noneMatch(e -> e.contains("/io/sluice/"));
    }
}
