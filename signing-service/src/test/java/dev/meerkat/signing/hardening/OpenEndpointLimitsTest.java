package dev.meerkat.signing.hardening;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 point 3: open endpoints are bounded, and anonymous traffic does not write a chained row
 * per request.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class OpenEndpointLimitsTest {
    static final String AUDITOR = TestTokens.token("ol-auditor", Roles.AUDITOR);

    @TestHTTPResource("/")
    URL url;

    /** Sends raw bytes from {@code local} and returns the status line and headers of the answer. */
    String raw(String local, String request, byte[] body, int bodyRepeat) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(local, 0));
            s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
            s.setSoTimeout(20_000);
            OutputStream o = s.getOutputStream();
            o.write(request.getBytes(StandardCharsets.US_ASCII));
            try {
                for (int i = 0; i < bodyRepeat; i++) o.write(body);
                o.flush();
            } catch (java.io.IOException closedEarly) {
                // the server answered and closed without reading the rest: what we want
            }
            // The status line and headers: the server need not close the connection for us to read
            // them.
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n"))
                    break;
            }
            return head.toString();
        }
    }

    @Test
    void oversizedOcspRequestIsRefusedBeforeItIsRead() throws Exception {
        // 64 MiB declared, 1 MiB actually sent: the answer comes from the headers alone.
        String answer =
                raw(
                        "127.0.0.1",
                        "POST /api/v1/pki/ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
                                + "Content-Length: 67108864\r\n\r\n",
                        new byte[65536],
                        16);
        assertThat(answer).startsWith("HTTP/1.1 413").contains("application/problem+json");
        String chunked =
                raw(
                        "127.0.0.1",
                        "POST /api/v1/pki/ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n",
                        "10000\r\n".getBytes(StandardCharsets.US_ASCII),
                        1);
        assertThat(chunked).startsWith("HTTP/1.1 411");
        // JSON endpoints are bounded too, before authentication.
        String json =
                raw(
                        "127.0.0.1",
                        "POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 10000000\r\n\r\n",
                        new byte[1024],
                        1);
        assertThat(json).startsWith("HTTP/1.1 413");
    }

    @Test
    void repeatedAnonymousRefusalsBecomeSummaryEntriesPerWindow() {
        String path = "/api/v1/keys/ol-probe-" + System.nanoTime();
        for (int i = 0; i < 50; i++)
            given().get(path).then().statusCode(401).contentType("application/problem+json");
        for (int i = 0; i < 20; i++) {
            given().contentType("application/ocsp-request")
                    .body(new byte[] {1, 2, 3})
                    .post("/api/v1/pki/ocsp")
                    .then()
                    .statusCode(200);
        }
        List<Map<String, Object>> entries = ServiceHardeningTest.audit();
        List<Map<String, Object>> probes =
                entries.stream().filter(e -> ("http GET " + path).equals(e.get("action"))).toList();
        // One summary row per window (a window may close while the 50 are sent), counting all 50.
        assertThat(probes)
                .isNotEmpty()
                .hasSizeLessThanOrEqualTo(3)
                .allSatisfy(
                        e -> {
                            assertThat(e.get("decision")).isEqualTo("denied");
                            assertThat(e.get("result")).isEqualTo("401");
                            assertThat(e.get("detail").toString())
                                    .matches("\\d+ from 127\\.0\\.0\\.1 .*");
                        });
        assertThat(
                        probes.stream()
                                .mapToInt(
                                        e ->
                                                Integer.parseInt(
                                                        e.get("detail").toString().split(" ")[0]))
                                .sum())
                .isEqualTo(50);
        // Twenty malformed OCSP requests: summarized, not twenty chained rows.
        assertThat(
                        entries.stream()
                                .filter(
                                        e ->
                                                "pki.ocsp".equals(e.get("action"))
                                                        && "malformedRequest"
                                                                .equals(e.get("result")))
                                .count())
                .isLessThan(20);
    }

    @Test
    void anonymousRequestsAreRateLimitedPerSource() throws Exception {
        // A source of its own (127.0.0.2), so the other tests' anonymous calls from 127.0.0.1 are
        // not limited.
        int limited = 0;
        for (int i = 0; i < 1300; i++) {
            String answer =
                    raw(
                            "127.0.0.2",
                            "GET /q/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                            new byte[0],
                            0);
            if (answer.startsWith("HTTP/1.1 429")) limited++;
        }
        // 1,300 requests span at most two one-minute windows of 600.
        assertThat(limited).isGreaterThanOrEqualTo(100);
        // Credentials are not limited this way.
        given().auth().oauth2(AUDITOR).get("/api/v1/keys").then().statusCode(200);
    }

    /** Issue 10 point 7: an upload that breaks off is audited as a refusal. */
    @Test
    void cutUploadIsAuditedAsARefusal() throws Exception {
        String admin = TestTokens.token("ol-admin", Roles.ADMIN);
        given().auth()
                .oauth2(admin)
                .contentType("application/json")
                .body("{\"id\":\"ol-cut\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        String ci = TestTokens.token("ol-ci", Roles.CI_PIPELINE);
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            OutputStream o = s.getOutputStream();
            o.write(
                    ("POST /api/v1/sign/image?keyId=ol-cut&version=1.0.0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                    + ci
                                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            o.write(new byte[100_000]);
            o.flush();
            Thread.sleep(500);
        }
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            List<Map<String, Object>> entries = ServiceHardeningTest.audit();
            boolean found =
                    entries.stream()
                            .anyMatch(
                                    e ->
                                            "sign.image".equals(e.get("action"))
                                                    && "ol-cut".equals(e.get("keyId"))
                                                    && "refused".equals(e.get("decision"))
                                                    && String.valueOf(e.get("detail"))
                                                            .contains("Upload cut"));
            if (found) break;
            assertThat(System.currentTimeMillis()).as("cut upload audited").isLessThan(deadline);
            Thread.sleep(250);
        }
    }
}
