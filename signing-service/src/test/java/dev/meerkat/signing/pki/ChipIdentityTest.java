package dev.meerkat.signing.pki;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 points 8 and 9 (service side): one active identity per chip, revoked certificates are
 * not handed out again.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ChipIdentityTest {
    static final String ADMIN = TestTokens.token("ci-admin", Roles.ADMIN);
    static final String STATION = TestTokens.token("ci-station", Roles.FACTORY_STATION);
    static final String RENEWER =
            TestTokens.token("ci-renewer", Roles.FACTORY_STATION, Roles.ADMIN);

    static void hierarchy() {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"software\"}")
                .post("/api/v1/pki/root")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"software\",\"signerId\":7}")
                .post("/api/v1/pki/issuing-ca")
                .then()
                .statusCode(201);
    }

    static io.restassured.response.ValidatableResponse csr(
            String token, String chip, KeyPair k, Boolean renew) throws Exception {
        Map<String, Object> body =
                renew == null
                        ? Map.of("csr", PkiServiceTest.csr(chip, k))
                        : Map.of("csr", PkiServiceTest.csr(chip, k), "renew", renew);
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/pki/csr")
                .then();
    }

    @Test
    void oneActiveCertificatePerChipAndNoRevokedOneHandedOutAgain() throws Exception {
        hierarchy();
        String chip = "01239999000000AAEE";
        KeyPair first = PkiServiceTest.ec("secp256r1");
        KeyPair clone = PkiServiceTest.ec("secp256r1");
        String serial1 =
                csr(STATION, chip, first, null).statusCode(201).extract().path("cert.serial");

        // A second key for the same chip (a cloned device) is refused while the first certificate
        // is active.
        csr(STATION, chip, clone, null)
                .statusCode(409)
                .contentType("application/problem+json")
                .body("title", equalTo("Chip already certified"));

        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"keyCompromise\"}")
                .post("/api/v1/pki/certs/" + serial1 + "/revoke")
                .then()
                .statusCode(200);
        // The same request again does not get the revoked certificate back.
        csr(STATION, chip, first, null)
                .statusCode(409)
                .body("title", equalTo("Certificate revoked"));
        // A renewal needs an administrator's credentials.
        csr(STATION, chip, first, true).statusCode(403);

        // With the earlier certificate revoked, a new key for the chip is certified.
        KeyPair second = PkiServiceTest.ec("secp256r1");
        String serial2 =
                csr(STATION, chip, second, null).statusCode(201).extract().path("cert.serial");

        // An administrator's renewal replaces the active certificate and revokes it as superseded.
        KeyPair third = PkiServiceTest.ec("secp256r1");
        String serial3 =
                csr(RENEWER, chip, third, true).statusCode(201).extract().path("cert.serial");
        List<Map<String, Object>> inv =
                given().auth()
                        .oauth2(ADMIN)
                        .get("/api/v1/pki/certs?serial=" + chip)
                        .then()
                        .statusCode(200)
                        .extract()
                        .as(List.class);
        assertThat(inv)
                .extracting(
                        e ->
                                e.get("serial")
                                        + "="
                                        + e.get("status")
                                        + "/"
                                        + e.get("revocationReason"))
                .containsExactlyInAnyOrder(
                        serial1 + "=revoked/keyCompromise",
                        serial2 + "=revoked/superseded",
                        serial3 + "=active/null");
    }
}
