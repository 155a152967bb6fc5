package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every endpoint against every role, no credentials and a forged token. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class RoleMatrixTest {
    static final String ADMIN = TestTokens.token("rm-admin", Roles.ADMIN);
    static final Set<String> ALL = Set.copyOf(Roles.ALL);
    static final String DIGEST = "ab".repeat(32);

    record Endpoint(String method, String path, String body, Set<String> allowed) {
        Response call(RequestSpecification r) {
            if (body != null
                    && (path.startsWith("/api/v1/sign/image")
                            || path.startsWith("/api/v1/sign/fwzip"))) {
                r =
                        r.contentType("application/octet-stream")
                                .body(body.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else if (body != null) {
                r = r.contentType(ContentType.JSON).body(body);
            }
            return method.equals("GET") ? r.get(path) : r.post(path);
        }
    }

    private static void createKey(String id, String purpose) {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\""
                                + id
                                + "\",\"type\":\"ecdsa-p256\",\"backend\":\"software\",\"purpose\":\""
                                + purpose
                                + "\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
    }

    @Test
    void everyEndpointAdmitsExactlyItsRoles() {
        for (String k : List.of("rm-fw", "rm-rotate", "rm-retire", "rm-comp"))
            createKey(k, "firmware-signing");
        createKey("rm-ca", "certificate-authority");
        List<Endpoint> endpoints =
                List.of(
                        new Endpoint(
                                "POST",
                                "/api/v1/keys",
                                "{\"id\":\"rm-new\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}",
                                Set.of(Roles.ADMIN)),
                        new Endpoint("GET", "/api/v1/keys", null, ALL),
                        new Endpoint("GET", "/api/v1/keys/rm-fw", null, ALL),
                        new Endpoint("GET", "/api/v1/keys/rm-fw/public?format=keyhash", null, ALL),
                        new Endpoint(
                                "POST", "/api/v1/keys/rm-rotate/rotate", null, Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "POST", "/api/v1/keys/rm-retire/retire", null, Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "POST",
                                "/api/v1/keys/rm-comp/compromised",
                                "{\"reason\":\"test\"}",
                                Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "POST",
                                "/api/v1/sign/digest",
                                "{\"keyId\":\"rm-fw\",\"digest\":\"" + DIGEST + "\"}",
                                Set.of(Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE)),
                        new Endpoint(
                                "POST",
                                "/api/v1/sign/digest",
                                "{\"keyId\":\"rm-ca\",\"digest\":\"" + DIGEST + "\"}",
                                Set.of(Roles.FACTORY_STATION)),
                        new Endpoint(
                                "POST",
                                "/api/v1/sign/image?keyId=rm-fw&version=1.0.0&padHeader=true",
                                "firmware",
                                Set.of(Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE)),
                        new Endpoint(
                                "POST",
                                "/api/v1/sign/fwzip?keyId=rm-fw",
                                "not a zip",
                                Set.of(Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE)),
                        new Endpoint(
                                "GET",
                                "/api/v1/requests",
                                null,
                                Set.of(Roles.APPROVER, Roles.ADMIN, Roles.AUDITOR)),
                        new Endpoint("GET", "/api/v1/requests/no-such-request", null, ALL),
                        new Endpoint(
                                "POST",
                                "/api/v1/requests/no-such-request/approve",
                                "{}",
                                Set.of(Roles.APPROVER)),
                        new Endpoint(
                                "POST",
                                "/api/v1/requests/no-such-request/reject",
                                "{}",
                                Set.of(Roles.APPROVER)),
                        new Endpoint(
                                "GET",
                                "/api/v1/audit?limit=1",
                                null,
                                Set.of(Roles.AUDITOR, Roles.ADMIN)),
                        new Endpoint(
                                "POST",
                                "/api/v1/pki/root/import",
                                "{\"certificate\":\"not a certificate\"}",
                                Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "POST",
                                "/api/v1/pki/root/sign",
                                "{\"csr\":\"x\",\"signerId\":1}",
                                Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "POST",
                                "/api/v1/pki/issuing-ca/certificate",
                                "{\"certificate\":\"x\"}",
                                Set.of(Roles.ADMIN)),
                        new Endpoint(
                                "GET",
                                "/api/v1/pki/cas",
                                null,
                                Set.of(Roles.ADMIN, Roles.AUDITOR, Roles.FACTORY_STATION)),
                        new Endpoint(
                                "POST",
                                "/api/v1/pki/csr",
                                "{\"csr\":\"AAAA\"}",
                                Set.of(Roles.FACTORY_STATION)),
                        new Endpoint(
                                "GET",
                                "/api/v1/pki/certs?serial=0123",
                                null,
                                Set.of(Roles.ADMIN, Roles.AUDITOR, Roles.FACTORY_STATION)),
                        new Endpoint(
                                "POST", "/api/v1/pki/certs/00/revoke", "{}", Set.of(Roles.ADMIN)),
                        new Endpoint("GET", "/q/metrics", null, ALL),
                        new Endpoint("GET", "/q/openapi", null, ALL));

        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints) {
            for (String role : Roles.ALL) {
                int status =
                        e.call(given().auth().oauth2(TestTokens.token("rm-" + role, role)))
                                .statusCode();
                boolean admitted = status != 401 && status != 403;
                if (admitted != e.allowed().contains(role) || (!admitted && status != 403)) {
                    wrong.add(e.method() + " " + e.path() + " as " + role + " -> " + status);
                }
            }
            int anonymous = e.call(given()).statusCode();
            if (anonymous != 401)
                wrong.add(e.method() + " " + e.path() + " without credentials -> " + anonymous);
            int forged =
                    e.call(given().auth().oauth2(TestTokens.forgedToken("mallory", Roles.ADMIN)))
                            .statusCode();
            if (forged != 401)
                wrong.add(e.method() + " " + e.path() + " with a forged token -> " + forged);
        }
        // Certificate status services are for relying parties: open to anyone.
        for (String open : List.of("/api/v1/pki/crl", "/api/v1/pki/ca", "/api/v1/pki/ocsp/AAAA")) {
            int anonymous = given().get(open).statusCode();
            if (anonymous == 401 || anonymous == 403)
                wrong.add("GET " + open + " without credentials -> " + anonymous);
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void refusalsAreProblemsAndAudited() {
        given().contentType(ContentType.JSON)
                .body("{\"keyId\":\"x\",\"digest\":\"" + DIGEST + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(TestTokens.token("rm-eve", Roles.AUDITOR))
                .contentType(ContentType.JSON)
                .body("{\"keyId\":\"x\",\"digest\":\"" + DIGEST + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");

        List<java.util.Map<String, Object>> entries =
                given().auth()
                        .oauth2(ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("entries");
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("decision")).isEqualTo("denied");
                            assertThat(e.get("result")).isEqualTo("401");
                            assertThat(e.get("action")).isEqualTo("http POST /api/v1/sign/digest");
                        });
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("actor")).isEqualTo("rm-eve");
                            assertThat(e.get("result")).isEqualTo("403");
                        });
    }
}
