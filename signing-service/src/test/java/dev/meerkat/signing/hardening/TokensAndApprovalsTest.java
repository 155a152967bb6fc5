package dev.meerkat.signing.hardening;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.remote.JwtMinter;
import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 points 4 and 6: approvals count people, tokens are checked for audience, lifetime and
 * revocation.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class TokensAndApprovalsTest {
    static final String ADMIN = TestTokens.token("ta-admin", Roles.ADMIN);

    @Test
    void oneApproverUnderTwoSpellingsIsOnePerson() {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\"ta-prod\",\"type\":\"ecdsa-p256\",\"production\":true,\"approvals\":2,\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        String requester = TestTokens.token("u-re-appr", Roles.RELEASE_ENGINEER);
        String id =
                given().auth()
                        .oauth2(requester)
                        .contentType(ContentType.JSON)
                        .body("{\"keyId\":\"ta-prod\",\"digest\":\"" + "42".repeat(32) + "\"}")
                        .post("/api/v1/sign/digest")
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("requestId");
        // The requester under another spelling may not approve their own request.
        given().auth()
                .oauth2(TestTokens.token("U-RE-APPR", Roles.APPROVER))
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/v1/requests/" + id + "/approve")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(TestTokens.token("ａｐｐｒ-1", Roles.APPROVER))
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/v1/requests/" + id + "/approve")
                .then()
                .statusCode(200)
                .body("state", equalTo("pending"));
        // The same approver again, differently spelled (NFKC, case), is not a second person.
        given().auth()
                .oauth2(TestTokens.token("APPR-1", Roles.APPROVER))
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/v1/requests/" + id + "/approve")
                .then()
                .statusCode(409);
        given().auth()
                .oauth2(TestTokens.token("appr-2", Roles.APPROVER))
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/v1/requests/" + id + "/approve")
                .then()
                .statusCode(200)
                .body("state", equalTo("signed"));
    }

    @Test
    void subjectsWithWhitespaceAreRefusedAtIssueAndAtUse() throws Exception {
        assertThatThrownBy(() -> TestTokens.token("u-re-appr ", Roles.APPROVER))
                .isInstanceOf(IllegalArgumentException.class);
        // A token minted elsewhere with a trailing space in its subject is refused by the service.
        String good = TestTokens.token("ta-space", Roles.AUDITOR);
        String spaced = resign(good, "\"ta-space\"", "\"ta-space \"");
        given().auth().oauth2(spaced).get("/api/v1/keys").then().statusCode(401);
    }

    @Test
    void audienceLifetimeAndRevocationAreEnforced() {
        given().auth()
                .oauth2(
                        TestTokens.token(
                                "ta-aud", Duration.ofHours(1), "another-service", Roles.AUDITOR))
                .get("/api/v1/keys")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(
                        TestTokens.token(
                                "ta-long",
                                Duration.ofDays(91),
                                JwtMinter.DEFAULT_AUDIENCE,
                                Roles.AUDITOR))
                .get("/api/v1/keys")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(
                        TestTokens.token(
                                "ta-90",
                                Duration.ofDays(90),
                                JwtMinter.DEFAULT_AUDIENCE,
                                Roles.AUDITOR))
                .get("/api/v1/keys")
                .then()
                .statusCode(200);

        String victim = TestTokens.token("ta-victim", Roles.AUDITOR);
        given().auth().oauth2(victim).get("/api/v1/keys").then().statusCode(200);
        String jti = claim(victim, "jti");
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"jti\":\"" + jti + "\",\"reason\":\"laptop lost\"}")
                .post("/api/v1/tokens/revoked")
                .then()
                .statusCode(201);
        // Revocation takes effect at once, also for a token the service has cached as verified.
        given().auth().oauth2(victim).get("/api/v1/keys").then().statusCode(401);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"jti\":\"" + jti + "\"}")
                .post("/api/v1/tokens/revoked")
                .then()
                .statusCode(409);
        given().auth()
                .oauth2(TestTokens.token("ta-aud2", Roles.AUDITOR))
                .contentType(ContentType.JSON)
                .body("{\"jti\":\"x\"}")
                .post("/api/v1/tokens/revoked")
                .then()
                .statusCode(403);
    }

    private static String claim(String jwt, String name) {
        try {
            byte[] body = Base64.getUrlDecoder().decode(jwt.split("\\.")[1]);
            return new ObjectMapper().readTree(body).get(name).asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The token with its payload edited and signed again by the trusted key (as a careless issuer
     * would).
     */
    private static String resign(String jwt, String from, String to) throws Exception {
        String[] parts = jwt.split("\\.");
        String payload =
                new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace(from, to);
        assertThat(payload).contains(to);
        return TestTokens.signRaw(
                parts[0],
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(payload.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Issue 10 point 4: approvers see what they approve; the requester resumes the same request.
     */
    @Test
    void approversSeeTheImageAndRequestersResume() {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\"ta-show\",\"type\":\"ecdsa-p256\",\"production\":true,\"approvals\":1,\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        String requester = TestTokens.token("ta-req", Roles.RELEASE_ENGINEER);
        String body =
                "{\"keyId\":\"ta-show\",\"digest\":\""
                        + "5a".repeat(32)
                        + "\",\"fileName\":\"app-2.1.0.bin\","
                        + "\"imageVersion\":\"2.1.0+7\",\"imageSize\":123456}";
        String id =
                given().auth()
                        .oauth2(requester)
                        .contentType(ContentType.JSON)
                        .body(body)
                        .post("/api/v1/sign/digest")
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("requestId");
        // Asking again for the same digest resumes the pending request instead of making a second
        // one.
        given().auth()
                .oauth2(requester)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(202)
                .body("requestId", equalTo(id));
        String approver = TestTokens.token("ta-appr", Roles.APPROVER);
        dev.meerkat.signing.Cli.Result list =
                dev.meerkat.signing.Cli.run(
                        approver,
                        "approve",
                        "--list",
                        "--url",
                        io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port);
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out())
                .contains(id)
                .contains("file app-2.1.0.bin version 2.1.0+7 123456 bytes")
                .contains("5a".repeat(32))
                .contains("by ta-req");
        given().auth()
                .oauth2(approver)
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/v1/requests/" + id + "/approve")
                .then()
                .statusCode(200)
                .body("state", equalTo("signed"))
                .body("fileName", equalTo("app-2.1.0.bin"))
                .body("imageSize", equalTo(123456));
        given().auth()
                .oauth2(requester)
                .contentType(ContentType.JSON)
                .body(
                        "{\"keyId\":\"ta-show\",\"digest\":\"00\",\"fileName\":\""
                                + "f".repeat(300)
                                + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }
}
