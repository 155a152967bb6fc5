package dev.meerkat.signing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.store.Database;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded defaults end to end: software key store + H2; the CLI builds images with remote
 * signatures.
 */
@QuarkusTest
@TestProfile(EmbeddedProfile.class)
class EndToEndSoftwareH2Test {

    @TestHTTPResource("/")
    URL url;

    @Inject Database db;

    static final String ADMIN = TestTokens.token("alice", "admin");
    static final String RELEASE = TestTokens.token("rel-bob", "release-engineer");

    @Test
    void cliSignsImageWithServiceKeyAndVerifies(@TempDir Path tmp) throws Exception {
        assertThat(db.kind()).isEqualTo("h2");
        String base = url.toString();
        Cli.Result created =
                Cli.run(ADMIN, "keys", "create", "fw-soft", "--type", "ecdsa-p256", "--url", base);
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(created.out()).contains("fw-soft").contains("software");

        Path fw = tmp.resolve("app.bin");
        byte[] payload = new byte[70_000];
        new Random(7).nextBytes(payload);
        Files.write(fw, payload);
        Path img = tmp.resolve("app.signed.bin");
        Cli.Result signed =
                Cli.run(
                        RELEASE,
                        "sign",
                        "--remote",
                        base,
                        "--key-id",
                        "fw-soft",
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "1.2.3",
                        "-q",
                        fw.toString(),
                        img.toString());
        assertThat(signed.exit()).as(signed.toString()).isZero();

        Path pub = tmp.resolve("fw-soft.pem");
        Cli.Result exported =
                Cli.run(RELEASE, "keys", "public", "fw-soft", "--url", base, "-o", pub.toString());
        assertThat(exported.exit()).as(exported.toString()).isZero();
        Cli.Result verified = Cli.run(null, "verify", "-k", pub.toString(), "-q", img.toString());
        assertThat(verified.exit()).as(verified.toString()).isZero();

        VerificationKey vk = VerificationKey.fromPem(Files.readString(pub));
        assertThat(
                        ImageVerifier.trusting(vk)
                                .verify(ImageSource.of(Files.readAllBytes(img)))
                                .signer())
                .contains(vk);
    }

    @Test
    void everyKeyTypeSignsDigestsThatVerify() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("firmware".getBytes());
        for (String type : new String[] {"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072"}) {
            String id = "t-" + type;
            RestAssured.given()
                    .auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body("{\"id\":\"" + id + "\",\"type\":\"" + type + "\"}")
                    .post("/api/v1/keys")
                    .then()
                    .statusCode(201);
            String pem =
                    RestAssured.given()
                            .auth()
                            .oauth2(RELEASE)
                            .get("/api/v1/keys/" + id + "/public")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asString();
            VerificationKey vk = VerificationKey.fromPem(pem);
            String sig =
                    RestAssured.given()
                            .auth()
                            .oauth2(RELEASE)
                            .contentType(ContentType.JSON)
                            .body(
                                    "{\"keyId\":\""
                                            + id
                                            + "\",\"digest\":\""
                                            + HexFormat.of().formatHex(digest)
                                            + "\"}")
                            .post("/api/v1/sign/digest")
                            .then()
                            .statusCode(200)
                            .extract()
                            .path("signature");
            assertThat(
                            vk.verifyDigest(
                                    vk.type().signatureTlv(),
                                    digest,
                                    Base64.getDecoder().decode(sig)))
                    .as(type)
                    .isTrue();
        }
    }
}
