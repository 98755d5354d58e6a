package io.sluice.registry;

import static io.sluice.registry.RegistryFixture.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.registry.RegistryFixture.Resp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Accept/refuse outcome of each kind of schema change at each compatibility level, through the REST API; decided
 * by Avro's SchemaCompatibility.
 */
class EvolutionTest {
    static final String A_INT = "{\"name\":\"a\",\"type\":\"int\"}";
    static final String A_LONG = "{\"name\":\"a\",\"type\":\"long\"}";
    static final String A_STRING = "{\"name\":\"a\",\"type\":\"string\"}";
    static final String B = "{\"name\":\"b\",\"type\":\"string\"}";
    static final String B_DEFAULT = "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}";
    static final String RENAMED = "{\"name\":\"a2\",\"type\":\"int\",\"aliases\":[\"a\"]}";

    static final Set<CompatibilityLevel> ALL = EnumSet.allOf(CompatibilityLevel.class);
    static final Set<CompatibilityLevel> BACKWARDS = EnumSet.of(CompatibilityLevel.NONE, CompatibilityLevel.BACKWARD,
            CompatibilityLevel.BACKWARD_TRANSITIVE);
    static final Set<CompatibilityLevel> FORWARDS = EnumSet.of(CompatibilityLevel.NONE, CompatibilityLevel.FORWARD,
            CompatibilityLevel.FORWARD_TRANSITIVE);
    static final Set<CompatibilityLevel> NONE_ONLY = EnumSet.of(CompatibilityLevel.NONE);

    /** A change from {@code before} to {@code after}; {@code accepted} at these levels; refusals name {@code field}. */
    record Change(String name, String before, String after, Set<CompatibilityLevel> accepted, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Change> CHANGES = List.of(
            new Change("field added with a default", record(A_INT), record(A_INT, B_DEFAULT), ALL, "b"),
            new Change("field added without a default", record(A_INT), record(A_INT, B), FORWARDS, "b"),
            new Change("field without default removed", record(A_INT, B), record(A_INT), BACKWARDS, "b"),
            new Change("field with default removed", record(A_INT, B_DEFAULT), record(A_INT), ALL, "b"),
            new Change("type promoted int to long", record(A_INT), record(A_LONG), BACKWARDS, "a"),
            new Change("type changed int to string", record(A_INT), record(A_STRING), NONE_ONLY, "a"),
            new Change("field renamed with an alias", record(A_INT), record(RENAMED), BACKWARDS, "a"));

    @TempDir
    static Path dir;
    static RegistryFixture fx;
    static final AtomicInteger seq = new AtomicInteger();

    @BeforeAll
    static void start() {
        fx = new RegistryFixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static Stream<Arguments> changesAtEveryLevel() {
        List<Arguments> out = new ArrayList<>();
        for (Change c : CHANGES) {
            for (CompatibilityLevel l : CompatibilityLevel.values()) {
                out.add(Arguments.of(c, l));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("changesAtEveryLevel")
    void changeIsAcceptedOrRefusedAtEachLevel(Change change, CompatibilityLevel level) {
        // given a subject at this level with the old schema
        String subject = "evo-" + seq.incrementAndGet();
        fx.setLevel(subject, level.name());
        int id1 = fx.registerOk(subject, change.before());
        // when the new schema is registered
        Resp r = fx.register(subject, change.after());
        // then
        boolean expected = change.accepted().contains(level);
        if (expected) {
            assertThat(r.status()).as("%s at %s should be accepted: %s", change, level, r).isEqualTo(200);
            assertThat(r.json().get("id").asInt()).as("id of the new schema").isNotEqualTo(id1);
        } else {
            assertThat(r.status()).as("%s at %s should be refused: %s", change, level, r).isEqualTo(409);
            assertThat(r.json().get("error_code").asInt()).isEqualTo(409);
            assertThat(r.json().get("message").asText()).as("refusal of %s at %s names the field", change, level)
                    .contains("'" + change.field() + "'");
            assertThat(fx.get("/subjects/" + subject + "/versions").json().toString())
                    .as("versions after a refused registration").isEqualTo("[1]");
        }
    }

    /**
     * v1 {a}, v2 {a, b="x"}, v3 {a, b}: v3 reads v2 but not v1 (b has no default), and v1/v2 read v3. Only the
     * levels that look back past the latest in the backward direction refuse v3.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(CompatibilityLevel.class)
    void threeVersionsBackwardOnlyTransitiveLevelsRefuse(CompatibilityLevel level) {
        Set<CompatibilityLevel> refusing = EnumSet.of(CompatibilityLevel.BACKWARD_TRANSITIVE, CompatibilityLevel.FULL_TRANSITIVE);
        threeVersions(level, record(A_INT), record(A_INT, B_DEFAULT), record(A_INT, B), refusing);
    }

    /**
     * v1 {a, b}, v2 {a, b="x"}, v3 {a}: v2 reads v3 (default for b) but v1 does not. Only the levels that look back
     * past the latest in the forward direction refuse v3.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(CompatibilityLevel.class)
    void threeVersionsForwardOnlyTransitiveLevelsRefuse(CompatibilityLevel level) {
        Set<CompatibilityLevel> refusing = EnumSet.of(CompatibilityLevel.FORWARD_TRANSITIVE, CompatibilityLevel.FULL_TRANSITIVE);
        threeVersions(level, record(A_INT, B), record(A_INT, B_DEFAULT), record(A_INT), refusing);
    }

    private void threeVersions(CompatibilityLevel level, String v1, String v2, String v3, Set<CompatibilityLevel> refusing) {
        String subject = "evo3-" + seq.incrementAndGet();
        fx.setLevel(subject, level.name());
        fx.registerOk(subject, v1);
        fx.registerOk(subject, v2);
        Resp r = fx.register(subject, v3);
        int expected = refusing.contains(level) ? 409 : 200;
        assertThat(r.status()).as("third version at %s: %s", level, r).isEqualTo(expected);
        if (expected == 409) {
            assertThat(r.json().get("message").asText()).as("refusal names version 1 and field b")
                    .contains("version 1").contains("'b'");
        }
    }
}
