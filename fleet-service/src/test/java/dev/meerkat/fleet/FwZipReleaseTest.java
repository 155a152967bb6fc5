package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.RELEASE_MANAGER;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwPart;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.SigningKey;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Mongoose OS fw.zip (made with the same bundle writer as {@code meerkat create}) as a release:
 * its manifest signature is verified on upload against the fleet's release keys (one made with
 * another key is refused with a problem document), and a device of the deployment gets it byte for
 * byte over hawkBit DDI, whose deployment names it {@code <release>.zip}.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class FwZipReleaseTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void signedFwZipIsVerifiedOnUploadAndInstalledByABoardOverDdi() throws Exception {
        byte[] v2 = ExampleApps.image("v2", TestReleases.TRUSTED, null, 0);
        byte[] good = fwZip(v2, TestReleases.TRUSTED);
        byte[] stranger = fwZip(v2, TestReleases.STRANGER);

        Response refused =
                as(RELEASE_MANAGER)
                        .contentType("application/octet-stream")
                        .body(stranger)
                        .queryParam("id", "fz-stranger")
                        .post("/api/v1/releases");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.jsonPath().getString("title")).isEqualTo("fw.zip rejected");

        Api.upload("fz-v2", good);
        JsonPath r =
                as(Api.VIEWER)
                        .get("/api/v1/releases/fz-v2")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(r.getString("format")).isEqualTo("fwzip");
        assertThat(r.getString("version")).isEqualTo("2.0.0");
        assertThat(r.getString("platform")).isEqualTo(TestReleases.PLATFORM);

        // stored as uploaded
        byte[] stored =
                as(RELEASE_MANAGER)
                        .get("/api/v1/releases/fz-v2/content")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(stored).isEqualTo(good);

        // an emulated board polling over DDI installs the bundle's app part and commits
        String token = "token-of-fz-dev-0123456789";
        Api.registerWithToken("fz-dev", token, Map.of("platform", TestReleases.PLATFORM));
        ObjectNode conf = Json.object();
        conf.putObject("ddi")
                .put("enable", true)
                .put("server", root.toString().replaceAll("/$", ""))
                .put("token", token);
        conf.putObject("app").put("interval_ms", 60_000);
        byte[] v1 = ExampleApps.image("v1", TestReleases.TRUSTED, null, 0);
        try (Board b =
                Board.builder("fz-dev")
                        .profile(DeviceProfile.forImages(v2.length + 64 * 1024L))
                        .rootOfTrust(
                                RootOfTrust.of(
                                        ProvisionedKey.publicKey(
                                                TestReleases.TRUSTED
                                                        .verificationKey()
                                                        .publicKey()
                                                        .getEncoded())))
                        .factoryImage(v1)
                        .factoryConfig(conf)
                        .tickMillis(20)
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Duration.ofSeconds(60))).isTrue();
            Api.staticGroup("fz-group", List.of("fz-dev"));
            Api.deploy("fz-dep", "fz-v2", "fz-group", Map.of("phases", List.of(Map.of())));
            JsonPath done =
                    Api.awaitStatus(
                            "fz-dep", s -> Api.state(s).equals("COMPLETED"), Duration.ofMinutes(2));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(1);
            assertThat(b.await(x -> "2.0.0".equals(x.runningVersion()), Duration.ofSeconds(30)))
                    .isTrue();
        }
    }

    /** A fw.zip of platform meerkat-sim, version 2.0.0, whose app part is {@code image}. */
    static byte[] fwZip(byte[] image, SigningKey key) throws Exception {
        Path dir = Files.createTempDirectory("fwzip");
        Path out = dir.resolve("fw.zip");
        try {
            FwPart app = new FwPart("app", "app", "app.bin", null, null, null, Map.of());
            FwBundleWriter.builder("meerkat-app", TestReleases.PLATFORM, "2.0.0")
                    .addPart(app, image)
                    .signWith(privateKey(key))
                    .build()
                    .write(out);
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(dir);
        }
    }

    private static PrivateKey privateKey(SigningKey key) throws Exception {
        String pem = key.toPem(new char[0]);
        byte[] der =
                Base64.getMimeDecoder()
                        .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    }
}
