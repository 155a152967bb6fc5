package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwKeys;
import dev.meerkat.fwzip.FwPart;
import dev.meerkat.fwzip.FwVerification;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /api/v1/sign/fwzip: manifest signatures by keys in the token and in the key store. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class FwZipSigningTest {
    static final String ADMIN = TestTokens.token("fz-admin", Roles.ADMIN);
    static final String REL = TestTokens.token("fz-rel", Roles.RELEASE_ENGINEER);

    static Path bundle(Path dir) throws Exception {
        byte[] app = new byte[20_000];
        new Random(5).nextBytes(app);
        FwPart part =
                new FwPart(
                        "app",
                        "app",
                        "app.bin",
                        null,
                        null,
                        null,
                        Map.of("addr", JsonNodeFactory.instance.numberNode(0x10000)));
        Path out = dir.resolve("fw.zip");
        FwBundleWriter.builder("demo", "esp32", "1.2.3").addPart(part, app).build().write(out);
        return out;
    }

    @Test
    void signsBundlesInTwoSlots(@TempDir Path tmp) throws Exception {
        for (String[] k : new String[][] {{"fz-hsm", "pkcs11"}, {"fz-soft", "software"}}) {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body(
                            "{\"id\":\""
                                    + k[0]
                                    + "\",\"type\":\"ecdsa-p256\",\"backend\":\""
                                    + k[1]
                                    + "\"}")
                    .post("/api/v1/keys")
                    .then()
                    .statusCode(201);
        }
        byte[] once =
                given().auth()
                        .oauth2(REL)
                        .contentType("application/zip")
                        .body(Files.readAllBytes(bundle(tmp)))
                        .queryParam("keyId", "fz-hsm")
                        .post("/api/v1/sign/fwzip")
                        .then()
                        .statusCode(200)
                        .header("X-Signature-Slot", "0")
                        .extract()
                        .asByteArray();
        byte[] twice =
                given().auth()
                        .oauth2(REL)
                        .contentType("application/zip")
                        .body(once)
                        .queryParam("keyId", "fz-soft")
                        .post("/api/v1/sign/fwzip")
                        .then()
                        .statusCode(200)
                        .header("X-Signature-Slot", "1")
                        .extract()
                        .asByteArray();
        Path signed = tmp.resolve("signed.zip");
        Files.write(signed, twice);
        PublicKey hsm =
                FwKeys.parsePublicKey(
                        given().auth().oauth2(REL).get("/api/v1/keys/fz-hsm/public").asString());
        PublicKey soft =
                FwKeys.parsePublicKey(
                        given().auth().oauth2(REL).get("/api/v1/keys/fz-soft/public").asString());
        try (FwBundle b = FwBundle.open(signed)) {
            assertThat(b.signatures()).hasSize(2);
            FwVerification v = b.verify(List.of(hsm), true);
            assertThat(v.valid()).as(v.toString()).isTrue();
            assertThat(b.verify(List.of(soft), true).valid()).isTrue();
        }
    }

    @Test
    void refusesWrongKeysAndBrokenBundles() {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"fz-ed\",\"type\":\"ed25519\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(REL)
                .contentType("application/zip")
                .body(new byte[] {1, 2, 3})
                .queryParam("keyId", "fz-ed")
                .post("/api/v1/sign/fwzip")
                .then()
                .statusCode(409)
                .body("title", equalTo("Wrong key type"));
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"fz-ok\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(REL)
                .contentType("application/zip")
                .body("not a zip".getBytes())
                .queryParam("keyId", "fz-ok")
                .post("/api/v1/sign/fwzip")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("title", equalTo("Malformed fw.zip"));
    }
}
