package io.sluice.registry;

import static io.sluice.registry.RegistryFixture.record;
import static io.sluice.registry.RegistryFixture.schemaBody;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.registry.RegistryFixture.Resp;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every REST call with java.net.http against an in-process registry stored in an in-process log-core server. */
class RestApiTest {
    static final String V1 = record("{\"name\":\"a\",\"type\":\"int\"}");
    static final String V2 = record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
    static final String OTHER = "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"z\",\"type\":\"long\"}]}";

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

    static String subject() {
        return "rest-" + seq.incrementAndGet() + "-value";
    }

    static void assertError(Resp r, int status, int code) {
        assertThat(r.status()).as("HTTP status of %s", r).isEqualTo(status);
        assertThat(r.json().get("error_code").asInt()).as("error_code of %s", r).isEqualTo(code);
        assertThat(r.json().get("message").asText()).as("message of %s", r).isNotBlank();
    }

    @Test
    void registerReturnsIdAndTheSameSchemaGetsTheSameIdInEverySubject() {
        // given
        String s1 = subject();
        String s2 = subject();
        // when
        int id1 = fx.registerOk(s1, V1);
        int again = fx.registerOk(s1, V1);
        String reformatted = new Schema.Parser().parse(V1).toString(true); // same schema, other whitespace
        int inOther = fx.registerOk(s2, reformatted);
        // then
        assertThat(again).as("id when re-registering in %s", s1).isEqualTo(id1);
        assertThat(inOther).as("id of the same schema in %s", s2).isEqualTo(id1);
        assertThat(fx.get("/subjects/" + s1 + "/versions").json().toString()).isEqualTo("[1]");
    }

    @Test
    void versionsAndSchemasAreServedBySubjectVersionAndId() {
        String s = subject();
        int id1 = fx.registerOk(s, V1);
        int id2 = fx.registerOk(s, V2);
        assertThat(id2).as("id of v2").isNotEqualTo(id1);

        assertThat(fx.get("/subjects").json()).extracting(n -> n.toString()).asString().contains("\"" + s + "\"");
        assertThat(fx.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[1,2]");

        Resp v1 = fx.get("/subjects/" + s + "/versions/1");
        assertThat(v1.status()).as("GET version 1: %s", v1).isEqualTo(200);
        assertThat(v1.json().get("subject").asText()).isEqualTo(s);
        assertThat(v1.json().get("version").asInt()).isEqualTo(1);
        assertThat(v1.json().get("id").asInt()).isEqualTo(id1);
        assertThat(new Schema.Parser().parse(v1.json().get("schema").asText())).isEqualTo(new Schema.Parser().parse(V1));

        Resp latest = fx.get("/subjects/" + s + "/versions/latest");
        assertThat(latest.json().get("version").asInt()).as("latest: %s", latest).isEqualTo(2);
        assertThat(latest.json().get("id").asInt()).isEqualTo(id2);
        assertThat(fx.get("/subjects/" + s + "/versions/-1").json().get("version").asInt()).isEqualTo(2);

        Resp raw = fx.get("/subjects/" + s + "/versions/2/schema");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(new Schema.Parser().parse(raw.body())).isEqualTo(new Schema.Parser().parse(V2));

        Resp byId = fx.get("/schemas/ids/" + id2);
        assertThat(byId.status()).as("GET /schemas/ids/%d: %s", id2, byId).isEqualTo(200);
        assertThat(new Schema.Parser().parse(byId.json().get("schema").asText())).isEqualTo(new Schema.Parser().parse(V2));
        assertThat(byId.json().size()).as("fields of %s", byId).isEqualTo(1);
    }

    @Test
    void lookUpFindsTheVersionHoldingASchemaOrSaysWhatIsMissing() {
        String s = subject();
        int id = fx.registerOk(s, V1);
        Resp found = fx.post("/subjects/" + s, schemaBody(V1));
        assertThat(found.status()).as("look-up: %s", found).isEqualTo(200);
        assertThat(found.json().get("subject").asText()).isEqualTo(s);
        assertThat(found.json().get("id").asInt()).isEqualTo(id);
        assertThat(found.json().get("version").asInt()).isEqualTo(1);
        assertThat(found.json().has("schema")).isTrue();

        assertError(fx.post("/subjects/" + s, schemaBody(OTHER)), 404, 40403);
        assertError(fx.post("/subjects/no-such-subject", schemaBody(V1)), 404, 40401);
    }

    @Test
    void unknownSubjectVersionAndIdAreNotFoundErrors() {
        String s = subject();
        fx.registerOk(s, V1);
        assertError(fx.get("/subjects/missing-subject/versions"), 404, 40401);
        assertError(fx.get("/subjects/missing-subject/versions/1"), 404, 40401);
        assertError(fx.get("/subjects/" + s + "/versions/7"), 404, 40402);
        assertError(fx.get("/schemas/ids/987654"), 404, 40403);
        assertError(fx.get("/no/such/path"), 404, 404);
    }

    @Test
    void invalidSchemaVersionAndLevelAreRefusedWith422() {
        String s = subject();
        fx.registerOk(s, V1);
        assertError(fx.register(s, "{\"type\":\"record\",\"name\":\"Bad\",\"fields\":[{\"name\":\"x\",\"type\":\"nope\"}]}"),
                422, 42201);
        assertError(fx.register(s, "not json at all"), 422, 42201);
        assertError(fx.post("/subjects/" + s + "/versions", "{\"other\":1}"), 422, 42201);
        assertError(fx.get("/subjects/" + s + "/versions/abc"), 422, 42202);
        assertError(fx.get("/subjects/" + s + "/versions/0"), 422, 42202);
        assertError(fx.put("/config/" + s, "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    }

    @Test
    void everyAcceptedContentTypeWorksAndOthersAreRefused() {
        String s = subject();
        for (String ct : new String[] {"application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
                "application/json", "application/json; charset=utf-8"}) {
            Resp r = fx.send("POST", "/subjects/" + s + "/versions", schemaBody(V1), ct);
            assertThat(r.status()).as("register with Content-Type %s: %s", ct, r).isEqualTo(200);
        }
        Resp refused = fx.send("POST", "/subjects/" + s + "/versions", schemaBody(V1), "text/plain");
        assertThat(refused.status()).as("text/plain: %s", refused).isEqualTo(415);
    }

    @Test
    void softDeletedSubjectDisappearsButItsSchemaStillResolvesByIdAndIdsAreNotReused() {
        String s = subject();
        int id1 = fx.registerOk(s, V1);
        fx.registerOk(s, V2);

        Resp del = fx.delete("/subjects/" + s);
        assertThat(del.status()).as("DELETE subject: %s", del).isEqualTo(200);
        assertThat(del.json().toString()).isEqualTo("[1,2]");

        assertThat(fx.get("/subjects").body()).as("subjects after delete").doesNotContain("\"" + s + "\"");
        assertError(fx.get("/subjects/" + s + "/versions"), 404, 40401);
        assertError(fx.delete("/subjects/" + s), 404, 40401);
        assertThat(fx.get("/schemas/ids/" + id1).status()).as("schema %d after soft delete", id1).isEqualTo(200);

        // re-registering brings the same id back under the next version
        int again = fx.registerOk(s, V1);
        assertThat(again).isEqualTo(id1);
        assertThat(fx.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[3]");
        // a brand-new schema gets a fresh id above every id so far
        int fresh = fx.registerOk(subject(), OTHER.replace("\"z\"", "\"fresh" + seq.get() + "\""));
        assertThat(fresh).isGreaterThan(id1);
    }

    @Test
    void deletingOneVersionLeavesTheOthers() {
        String s = subject();
        fx.registerOk(s, V1);
        int id2 = fx.registerOk(s, V2);
        Resp del = fx.delete("/subjects/" + s + "/versions/1");
        assertThat(del.status()).as("DELETE version 1: %s", del).isEqualTo(200);
        assertThat(del.body()).isEqualTo("1");
        assertThat(fx.get("/subjects/" + s + "/versions").json().toString()).isEqualTo("[2]");
        assertError(fx.get("/subjects/" + s + "/versions/1"), 404, 40402);
        assertError(fx.delete("/subjects/" + s + "/versions/1"), 404, 40402);
        assertThat(fx.delete("/subjects/" + s + "/versions/latest").body()).isEqualTo("2");
        assertThat(fx.get("/schemas/ids/" + id2).status()).isEqualTo(200);
    }

    @Test
    void compatibilityCheckAnswersIsCompatibleWithoutRegistering() {
        String s = subject();
        fx.registerOk(s, V1);
        String addedNoDefault = record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"c\",\"type\":\"string\"}");
        Resp ok = fx.post("/compatibility/subjects/" + s + "/versions/latest", schemaBody(V2));
        assertThat(ok.status()).as("compatible check: %s", ok).isEqualTo(200);
        assertThat(ok.json().get("is_compatible").asBoolean()).isTrue();
        Resp no = fx.post("/compatibility/subjects/" + s + "/versions/1", schemaBody(addedNoDefault));
        assertThat(no.json().get("is_compatible").asBoolean()).as("incompatible check: %s", no).isFalse();
        assertThat(fx.get("/subjects/" + s + "/versions").json().toString()).as("versions after checks").isEqualTo("[1]");
        assertError(fx.post("/compatibility/subjects/missing-subject/versions/latest", schemaBody(V1)), 404, 40401);
        assertError(fx.post("/compatibility/subjects/" + s + "/versions/9", schemaBody(V1)), 404, 40402);
        assertError(fx.post("/compatibility/subjects/" + s + "/versions/latest", schemaBody("{bad")), 422, 42201);
    }

    @Test
    void incompatibleRegistrationIs409AndNamesTheField() {
        String s = subject();
        fx.registerOk(s, V1);
        Resp r = fx.register(s, record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"shoeSize\",\"type\":\"int\"}"));
        assertError(r, 409, 409);
        assertThat(r.json().get("message").asText()).as("message of %s", r).contains("shoeSize")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
    }

    @Test
    void configIsGlobalBackwardByDefaultAndSettablePerSubject() {
        String s = subject();
        assertThat(fx.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertError(fx.get("/config/" + s), 404, 40408);
        assertThat(fx.get("/config/" + s + "?defaultToGlobal=true").json().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");

        Resp put = fx.put("/config/" + s, "{\"compatibility\":\"FORWARD\"}");
        assertThat(put.status()).as("PUT config: %s", put).isEqualTo(200);
        assertThat(put.json().get("compatibility").asText()).isEqualTo("FORWARD");
        assertThat(fx.get("/config/" + s).json().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
        assertThat(fx.get("/config").json().get("compatibilityLevel").asText()).as("global level").isEqualTo("BACKWARD");

        // the subject's level now governs registration: a field added without default is FORWARD-compatible
        fx.registerOk(s, V1);
        fx.registerOk(s, record("{\"name\":\"a\",\"type\":\"int\"}", "{\"name\":\"c\",\"type\":\"string\"}"));
    }

    @Test
    void globalConfigCanBeChangedAndRestored() {
        Resp put = fx.put("/config", "{\"compatibility\":\"full_transitive\"}");
        assertThat(put.json().get("compatibility").asText()).as("PUT /config: %s", put).isEqualTo("FULL_TRANSITIVE");
        assertThat(fx.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        fx.put("/config", "{\"compatibility\":\"BACKWARD\"}");
        assertThat(fx.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }
}
