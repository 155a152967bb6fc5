package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /api/v1/sign/image: the service builds the signed MCUboot image. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ImageSigningTest {
    static final String ADMIN = TestTokens.token("im-admin", Roles.ADMIN);
    static final String CI = TestTokens.token("im-ci", Roles.CI_PIPELINE);

    @Test
    void signsUploadedImage(@TempDir Path tmp) throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"im-fw\",\"type\":\"ecdsa-p256\",\"backend\":\"pkcs11\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        byte[] fw = new byte[1 << 20];
        new Random(3).nextBytes(fw);
        byte[] image =
                given().auth()
                        .oauth2(CI)
                        .contentType("application/octet-stream")
                        .body(fw)
                        .queryParam("keyId", "im-fw")
                        .queryParam("version", "3.1.4+15")
                        .queryParam("padHeader", "true")
                        .queryParam("securityCounter", "auto")
                        .post("/api/v1/sign/image")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        VerificationKey vk =
                VerificationKey.fromPem(
                        given().auth().oauth2(CI).get("/api/v1/keys/im-fw/public").asString());
        VerifiedImage v = ImageVerifier.trusting(vk).verify(ImageSource.of(image));
        assertThat(v.signer()).contains(vk);
        assertThat(v.version().toString()).isEqualTo("3.1.4+15");

        // Same bytes through the CLI's verify.
        Path pub = tmp.resolve("k.pem");
        Files.writeString(pub, vk.toPem());
        Path img = tmp.resolve("fw.img");
        Files.write(img, image);
        assertThat(Cli.run(null, "verify", "-k", pub.toString(), "-q", img.toString()).exit())
                .isZero();
    }

    @Test
    void encryptsForTheRecipientKey() throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"im-enc\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        // The device's key pair: only the public half goes to the service.
        java.security.KeyPair pair =
                java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
        dev.meerkat.image.DecryptionKey device =
                dev.meerkat.image.DecryptionKey.fromPem(
                        dev.meerkat.cli.remote.JwtMinter.pem(
                                "PRIVATE KEY", pair.getPrivate().getEncoded()),
                        null);
        String header =
                java.util.Base64.getEncoder()
                        .encodeToString(
                                dev.meerkat.cli.remote.JwtMinter.pem(
                                                "PUBLIC KEY", pair.getPublic().getEncoded())
                                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] fw = new byte[50_000];
        new Random(9).nextBytes(fw);
        byte[] image =
                given().auth()
                        .oauth2(CI)
                        .contentType("application/octet-stream")
                        .body(fw)
                        .header("X-Encrypt-Key", header)
                        .queryParam("encryptKeyLen", "256")
                        .queryParam("keyId", "im-enc")
                        .queryParam("version", "1.0.0")
                        .queryParam("padHeader", "true")
                        .post("/api/v1/sign/image")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        VerificationKey vk =
                VerificationKey.fromPem(
                        given().auth().oauth2(CI).get("/api/v1/keys/im-enc/public").asString());
        VerifiedImage v =
                ImageVerifier.trusting(vk).withDecryptionKey(device).verify(ImageSource.of(image));
        assertThat(v.signer()).contains(vk);
        // The payload on the wire is not the plaintext.
        assertThat(new String(image, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(
                        new String(
                                java.util.Arrays.copyOf(fw, 64),
                                java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void refusesBadRequests() {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\"im-prod\",\"type\":\"ecdsa-p256\",\"backend\":\"software\",\"production\":true}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"im-plain\",\"type\":\"ed25519\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        byte[] fw = new byte[1000];
        fw[0] = 1; // without --pad-header the header area must be zero
        given().auth()
                .oauth2(CI)
                .contentType("application/octet-stream")
                .body(fw)
                .queryParam("keyId", "im-plain")
                .queryParam("version", "1.0.0")
                .post("/api/v1/sign/image")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("title", equalTo("Malformed image"));
        given().auth()
                .oauth2(CI)
                .contentType("application/octet-stream")
                .body(new byte[100])
                .queryParam("keyId", "im-plain")
                .queryParam("version", "one")
                .post("/api/v1/sign/image")
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(CI)
                .contentType("application/octet-stream")
                .body(new byte[100])
                .queryParam("keyId", "im-prod")
                .queryParam("version", "1.0.0")
                .post("/api/v1/sign/image")
                .then()
                .statusCode(409)
                .body("title", equalTo("Approval required"));
        given().auth()
                .oauth2(CI)
                .contentType("application/octet-stream")
                .body(new byte[100])
                .queryParam("keyId", "im-none")
                .queryParam("version", "1.0.0")
                .post("/api/v1/sign/image")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(TestTokens.token("im-fs", Roles.FACTORY_STATION))
                .contentType("application/octet-stream")
                .body(new byte[100])
                .queryParam("keyId", "im-plain")
                .queryParam("version", "1.0.0")
                .post("/api/v1/sign/image")
                .then()
                .statusCode(403);
    }
}
