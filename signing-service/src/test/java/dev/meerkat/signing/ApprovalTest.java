package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * M-of-N approvals for production keys: distinct approvers, never the requester; one rejection
 * rejects.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ApprovalTest {
    static final String ADMIN = TestTokens.token("ap-admin", Roles.ADMIN);
    static final String REQUESTER =
            TestTokens.token("carol", Roles.RELEASE_ENGINEER, Roles.APPROVER);
    static final String OTHER_ENGINEER = TestTokens.token("dave", Roles.RELEASE_ENGINEER);
    static final String AP1 = TestTokens.token("approver-1", Roles.APPROVER);
    static final String AP2 = TestTokens.token("approver-2", Roles.APPROVER);
    static final String AP3 = TestTokens.token("approver-3", Roles.APPROVER);

    @TestHTTPResource("/")
    URL url;

    static void productionKey(String id, int approvals, String backend) {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\""
                                + id
                                + "\",\"type\":\"ecdsa-p256\",\"production\":true,\"approvals\":"
                                + approvals
                                + ",\"backend\":\""
                                + backend
                                + "\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
    }

    static String request(String keyId, byte[] digest) {
        return given().auth()
                .oauth2(REQUESTER)
                .contentType(ContentType.JSON)
                .body(
                        "{\"keyId\":\""
                                + keyId
                                + "\",\"digest\":\""
                                + HexFormat.of().formatHex(digest)
                                + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(202)
                .body("state", org.hamcrest.Matchers.equalTo("pending"))
                .body("approvalsRequired", org.hamcrest.Matchers.equalTo(2))
                .extract()
                .path("requestId");
    }

    static io.restassured.response.Response decide(String token, String id, String verb) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body("{\"comment\":\"checked\"}")
                .post("/api/v1/requests/" + id + "/" + verb);
    }

    @Test
    void secondDistinctApprovalSigns() throws Exception {
        productionKey("prod-fw", 2, "pkcs11");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("release 5.0".getBytes());
        String id = request("prod-fw", digest);

        decide(REQUESTER, id, "approve")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        decide(AP1, id, "approve")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("pending"));
        decide(AP1, id, "approve").then().statusCode(409);
        decide(AP1, id, "reject").then().statusCode(409);
        given().auth()
                .oauth2(REQUESTER)
                .get("/api/v1/requests/" + id)
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("pending"))
                .body("signature", org.hamcrest.Matchers.nullValue());

        String sig =
                decide(AP2, id, "approve")
                        .then()
                        .statusCode(200)
                        .body("state", org.hamcrest.Matchers.equalTo("signed"))
                        .extract()
                        .path("signature");
        decide(AP3, id, "approve").then().statusCode(409);

        String pem =
                given().auth()
                        .oauth2(REQUESTER)
                        .get("/api/v1/keys/prod-fw/public")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        VerificationKey vk = VerificationKey.fromPem(pem);
        assertThat(
                        vk.verifyDigest(
                                vk.type().signatureTlv(), digest, Base64.getDecoder().decode(sig)))
                .isTrue();

        // The requester fetches the result; another engineer cannot see it.
        given().auth()
                .oauth2(REQUESTER)
                .get("/api/v1/requests/" + id)
                .then()
                .statusCode(200)
                .body("signature", org.hamcrest.Matchers.equalTo(sig));
        given().auth().oauth2(OTHER_ENGINEER).get("/api/v1/requests/" + id).then().statusCode(404);
    }

    @Test
    void oneRejectionRejects() throws Exception {
        productionKey("prod-rej", 2, "software");
        String id =
                request(
                        "prod-rej",
                        MessageDigest.getInstance("SHA-256").digest("bad build".getBytes()));
        decide(AP1, id, "approve").then().statusCode(200);
        decide(AP2, id, "reject")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("rejected"));
        decide(AP3, id, "approve").then().statusCode(409);
    }

    @Test
    void compromiseCancelsPendingRequests() throws Exception {
        productionKey("prod-comp", 2, "software");
        String id =
                request("prod-comp", MessageDigest.getInstance("SHA-256").digest("x".getBytes()));
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"laptop stolen\"}")
                .post("/api/v1/keys/prod-comp/compromised")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("compromised"));
        given().auth()
                .oauth2(AP1)
                .get("/api/v1/requests/" + id)
                .then()
                .body("state", org.hamcrest.Matchers.equalTo("cancelled"));
        decide(AP1, id, "approve").then().statusCode(409);
        given().auth()
                .oauth2(REQUESTER)
                .contentType(ContentType.JSON)
                .body("{\"keyId\":\"prod-comp\",\"digest\":\"" + "00".repeat(32) + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(409)
                .body("title", org.hamcrest.Matchers.equalTo("Key compromised"));
    }

    @Test
    void cliWaitsForApprovalsThenBuildsTheImage(@TempDir Path tmp) throws Exception {
        productionKey("prod-cli", 2, "pkcs11");
        Path fw = tmp.resolve("fw.bin");
        Files.write(fw, new byte[4096]);
        Path img = tmp.resolve("fw.signed.bin");
        System.setProperty("meerkat.approval.wait", "120");
        try {
            CompletableFuture<Cli.Result> signing =
                    CompletableFuture.supplyAsync(
                            () ->
                                    Cli.run(
                                            REQUESTER,
                                            "sign",
                                            "--remote",
                                            url.toString(),
                                            "--key-id",
                                            "prod-cli",
                                            "-H",
                                            "0x200",
                                            "--pad-header",
                                            "-v",
                                            "1.0.0",
                                            "-q",
                                            fw.toString(),
                                            img.toString()));
            String id = null;
            for (int i = 0; i < 600 && id == null; i++) {
                List<Map<String, Object>> pending =
                        given().auth()
                                .oauth2(AP1)
                                .get("/api/v1/requests?state=pending")
                                .then()
                                .statusCode(200)
                                .extract()
                                .path("$");
                id =
                        pending.stream()
                                .filter(r -> "prod-cli".equals(r.get("keyId")))
                                .map(r -> (String) r.get("requestId"))
                                .findFirst()
                                .orElse(null);
                if (id == null) Thread.sleep(100);
            }
            assertThat(id).as("the CLI's pending request").isNotNull();
            decide(AP1, id, "approve").then().statusCode(200);
            decide(AP2, id, "approve").then().statusCode(200);
            Cli.Result r = signing.get(120, TimeUnit.SECONDS);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.err()).contains(id);
        } finally {
            System.clearProperty("meerkat.approval.wait");
        }
        Path pub = tmp.resolve("prod.pem");
        Files.writeString(
                pub, given().auth().oauth2(AP1).get("/api/v1/keys/prod-cli/public").asString());
        Cli.Result verified = Cli.run(null, "verify", "-k", pub.toString(), "-q", img.toString());
        assertThat(verified.exit()).as(verified.toString()).isZero();
    }
}
