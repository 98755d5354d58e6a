package io.sluice.registry;

import static io.sluice.registry.RestApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.registry.RegistryFixture.Resp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a careless or hostile client sends: each gets a 4xx in the registry's JSON error shape (never a
 * 500 with a stack trace, an empty body, or a misleading status), and the registry serves on afterwards.
 */
class BadRequestsTest {
    @TempDir
    static Path dir;
    static RegistryFixture fx;

    @BeforeAll
    static void start() {
        fx = new RegistryFixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** Sends raw bytes and returns "STATUS BODY" of the answer (the connection is closed after). */
    static Resp raw(byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", fx.registry.port()), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                got.write(buf, 0, n);
            }
            String answer = got.toString(StandardCharsets.UTF_8);
            assertThat(answer).as("raw answer").startsWith("HTTP/1.1 ").contains("\r\n\r\n");
            int status = Integer.parseInt(answer.substring(9, 12));
            return new Resp(status, answer.substring(answer.indexOf("\r\n\r\n") + 4));
        }
    }

    void assertStillServing() {
        assertThat(fx.get("/subjects").status()).as("the registry after the bad request").isEqualTo(200);
    }

    @Test
    void badPercentEncodingInThePathOrQueryIs400() throws IOException {
        // java.net.http refuses to send such a URI: curl and hand-written clients do not
        for (String target : new String[] {"/subjects/%zz/versions", "/config/x?defaultToGlobal=%z1", "/subjects/%"}) {
            Resp r = raw(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertError(r, 400, 400);
            assertThat(r.body()).as(target).contains("percent-encoding").doesNotContain("Exception").doesNotContain("at io.");
        }
        assertStillServing();
    }

    @Test
    void aSchemaTooLargeToStoreIs422NamingTheLimit() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            fields.append(i == 0 ? "" : ",").append("{\"name\":\"field_number_").append(i).append("\",\"type\":\"long\"}");
        }
        String schema = "{\"type\":\"record\",\"name\":\"Wide\",\"fields\":[" + fields + "]}";
        assertThat(schema.length()).as("schema size").isGreaterThan(1_500_000);
        Resp r = fx.register("wide-value", schema);
        assertError(r, 422, RegistryException.INVALID_SCHEMA);
        assertThat(r.json().get("message").asText()).contains(String.valueOf(SchemaStore.MAX_RECORD_BYTES));
        assertThat(fx.get("/subjects").body()).doesNotContain("wide-value");
        assertStillServing();
    }

    @Test
    void aBodyOverTheLimitIs413InJson() throws IOException {
        String head = "POST /subjects/big-value/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                + RegistryFixture.CT + "\r\nContent-Length: " + (17 * 1024 * 1024) + "\r\n\r\n";
        Resp r = raw(head.getBytes(StandardCharsets.US_ASCII));
        assertError(r, 413, 413);
        assertStillServing();
    }

    @Test
    void headersOverTheLimitAre431NotASilentlyDroppedBody() throws IOException {
        String body = RegistryFixture.schemaBody(RestApiTest.OTHER);
        String head = "POST /subjects/headers-value/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                + "p".repeat(20_000) + "\r\nContent-Type: " + RegistryFixture.CT + "\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        Resp r = raw(head.getBytes(StandardCharsets.UTF_8));
        assertError(r, 431, 431);
        assertThat(fx.get("/subjects").body()).doesNotContain("headers-value");
        assertStillServing();
    }

    @Test
    void aRegistrationWhoseRecordTheRegistryCannotApplyFailsInsteadOfReturningAnIdItCannotServe() {
        String poisoned = "{\"type\":\"record\",\"name\":\"Poisoned\",\"fields\":[{\"name\":\"unapplicable\","
                + "\"type\":\"long\"}]}";
        fx.registry.store().applyHook = value -> {
            if (value != null && value.contains("unapplicable")) {
                throw new IllegalStateException("simulated: this record cannot be applied");
            }
        };
        try {
            Resp r = fx.register("poisoned-value", poisoned);
            assertError(r, 500, RegistryException.STORE_ERROR);
            assertThat(r.json().get("message").asText()).contains("cannot apply it").contains("nothing was registered");
            assertThat(fx.get("/subjects").body()).doesNotContain("poisoned-value");
        } finally {
            fx.registry.store().applyHook = value -> { };
        }
        assertThat(fx.register("after-poisoned-value", RestApiTest.OTHER).status()).isEqualTo(200);
        assertStillServing();
    }

    @Test
    void anUnsupportedMethodOnAKnownPathIs405AndAnUnknownPathIs404() {
        assertError(fx.send("PATCH", "/subjects", null, null), 405, 405);
        assertError(fx.send("PATCH", "/config", null, null), 405, 405);
        assertError(fx.send("DELETE", "/schemas/ids/1", null, null), 405, 405);
        assertError(fx.get("/no/such/path"), 404, 404);
        assertStillServing();
    }
}
