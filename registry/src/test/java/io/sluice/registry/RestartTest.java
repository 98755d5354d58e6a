package io.sluice.registry;

import static io.sluice.registry.RegistryFixture.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State lives in the _schemas topic: a new registry on the same Kafka rebuilds it. */
class RestartTest {
    @TempDir
    Path dir;
    RegistryFixture fx;

    @BeforeEach
    void start() {
        fx = new RegistryFixture(dir);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void idsVersionsConfigAndDeletesSurviveARegistryRestart() {
        // given
        String v1 = record("{\"name\":\"a\",\"type\":\"int\"}");
        String v2 = record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
        String other = record("{\"name\":\"z\",\"type\":\"long\"}");
        int id1 = fx.registerOk("orders-value", v1);
        int id2 = fx.registerOk("orders-value", v2);
        int id3 = fx.registerOk("gone-value", other);
        fx.delete("/subjects/gone-value");
        fx.setLevel("orders-value", "FULL");
        String before = fx.get("/subjects/orders-value/versions/2").body();

        // when
        fx.restartRegistry();

        // then
        assertThat(fx.get("/subjects").json().toString()).as("subjects after restart").isEqualTo("[\"orders-value\"]");
        assertThat(fx.get("/subjects/orders-value/versions").json().toString()).isEqualTo("[1,2]");
        assertThat(fx.get("/subjects/orders-value/versions/1").json().get("id").asInt()).isEqualTo(id1);
        assertThat(fx.get("/subjects/orders-value/versions/2").body()).isEqualTo(before);
        assertThat(fx.get("/config/orders-value").json().get("compatibilityLevel").asText()).isEqualTo("FULL");
        assertThat(fx.get("/schemas/ids/" + id3).status()).as("soft-deleted schema %d by id", id3).isEqualTo(200);
        assertThat(fx.registerOk("orders-value", v2)).as("re-registering v2").isEqualTo(id2);
        int next = fx.registerOk("orders-value",
                record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}",
                        "{\"name\":\"c\",\"type\":\"int\",\"default\":0}"));
        assertThat(next).as("id of the first schema registered after restart (ids so far %d,%d,%d)", id1, id2, id3)
                .isEqualTo(id3 + 1);
        assertThat(fx.get("/subjects/orders-value/versions/latest").json().get("version").asInt()).isEqualTo(3);
        assertThat(fx.log.topics()).as("topics in log-core").anyMatch(t -> t.toString().contains("_schemas"));
    }
}
