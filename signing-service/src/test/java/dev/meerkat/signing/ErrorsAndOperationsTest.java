package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** Precise problem+json errors, and the operational endpoints. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ErrorsAndOperationsTest {
    static final String ADMIN = TestTokens.token("er-admin", Roles.ADMIN);
    static final String CI = TestTokens.token("er-ci", Roles.CI_PIPELINE);
    static final String PROBLEM = "application/problem+json";

    static io.restassured.response.ValidatableResponse sign(String body) {
        return given().auth()
                .oauth2(CI)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/sign/digest")
                .then();
    }

    @Test
    void signingErrors() {
        sign("{\"keyId\":\"nope\",\"digest\":\"" + "00".repeat(32) + "\"}")
                .statusCode(404)
                .contentType(PROBLEM)
                .body("title", equalTo("Unknown key"))
                .body("status", equalTo(404));

        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"er-fw\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        sign("{\"keyId\":\"er-fw\",\"digest\":\"" + "00".repeat(31) + "\"}")
                .statusCode(400)
                .contentType(PROBLEM)
                .body("title", equalTo("Wrong digest length"))
                .body("detail", containsString("32 bytes, got 31"));
        sign("{\"keyId\":\"er-fw\",\"digest\":\"zz\"}")
                .statusCode(400)
                .body("title", equalTo("Malformed digest"));
        sign("{\"keyId\":\"er-fw\",\"algorithm\":\"md5\",\"digest\":\"00\"}")
                .statusCode(400)
                .contentType(PROBLEM);
        sign("{\"keyId\":\"er-fw\",\"digest\":").statusCode(400).contentType(PROBLEM);
        sign("{\"keyId\":\"er-fw\"}")
                .statusCode(400)
                .contentType(PROBLEM)
                .body("detail", containsString("digest"));
        sign("{\"keyId\":\"er-fw\",\"keyVersion\":7,\"digest\":\"" + "00".repeat(32) + "\"}")
                .statusCode(409)
                .body("title", equalTo("Key version not current"));

        given().auth()
                .oauth2(ADMIN)
                .post("/api/v1/keys/er-fw/retire")
                .then()
                .statusCode(200)
                .body("state", equalTo("retired"));
        sign("{\"keyId\":\"er-fw\",\"digest\":\"" + "00".repeat(32) + "\"}")
                .statusCode(409)
                .contentType(PROBLEM)
                .body("title", equalTo("Key retired"));
        given().auth().oauth2(ADMIN).post("/api/v1/keys/er-fw/rotate").then().statusCode(409);
    }

    @Test
    void keyCreationErrors() {
        String[] bad = {
            "{\"id\":\"Bad Id\",\"type\":\"ecdsa-p256\"}",
            "{\"id\":\"er-x\",\"type\":\"dsa-1024\"}",
            "{\"id\":\"er-x\",\"type\":\"ecdsa-p256\",\"purpose\":\"coffee\"}",
            "{\"id\":\"er-x\",\"type\":\"ed25519\",\"backend\":\"pkcs11\"}",
            "{\"id\":\"er-x\",\"type\":\"ecdsa-p256\",\"backend\":\"tpm\"}",
            "{\"id\":\"er-x\",\"type\":\"ecdsa-p256\",\"production\":true,\"approvals\":0}",
        };
        for (String b : bad) {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body(b)
                    .post("/api/v1/keys")
                    .then()
                    .statusCode(400)
                    .contentType(PROBLEM);
        }
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"er-dup\",\"type\":\"ecdsa-p256\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"er-dup\",\"type\":\"ecdsa-p256\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(409)
                .body("title", equalTo("Key exists"));
        given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/keys/er-none")
                .then()
                .statusCode(404)
                .contentType(PROBLEM);
    }

    @Test
    void operations() {
        given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"er-metrics\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys");
        sign("{\"keyId\":\"er-metrics\",\"digest\":\"" + "11".repeat(32) + "\"}").statusCode(200);
        given().auth()
                .oauth2(CI)
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("meerkat_signatures_total{key=\"er-metrics\"}"))
                .body(containsString("meerkat_sign_latency_seconds_bucket"))
                .body(containsString("meerkat_approvals_pending"));
        given().auth()
                .oauth2(CI)
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/api/v1/sign/digest"));
    }
}
