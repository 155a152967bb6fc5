package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.RELEASE_MANAGER;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * fw.zip releases rolled out to emulated boards that poll with Mongoose OS's HTTP update check: a
 * bundle whose manifest another key signed is refused on upload; one whose manifest a release key
 * signed but whose app image another key signed passes the upload and is refused by every board
 * (the image's signature is checked on the device), which stays on 1.0.0 and reports why; the
 * properly signed bundle then commits on every board.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class PollingFwZipTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void fwZipCommitsThroughTheUpdateCheckAndAWronglySignedOneIsRefused() throws Exception {
        String base = root.toString().replaceAll("/$", "");
        byte[] v1 = ExampleApps.image("v1", TestReleases.TRUSTED, null, 0);
        byte[] v2 = ExampleApps.image("v2", TestReleases.TRUSTED, null, 0);
        byte[] v2Stranger = ExampleApps.image("v2", TestReleases.STRANGER, null, 0);
        byte[] good = FwZipReleaseTest.fwZip(v2, TestReleases.TRUSTED);
        byte[] strangerManifest = FwZipReleaseTest.fwZip(v2, TestReleases.STRANGER);
        byte[] strangerApp = FwZipReleaseTest.fwZip(v2Stranger, TestReleases.TRUSTED);

        Response refused =
                as(RELEASE_MANAGER)
                        .contentType("application/octet-stream")
                        .body(strangerManifest)
                        .queryParam("id", "pz-stranger-manifest")
                        .post("/api/v1/releases");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.jsonPath().getString("title")).isEqualTo("fw.zip rejected");

        RootOfTrust rot =
                RootOfTrust.of(
                        ProvisionedKey.publicKey(
                                TestReleases.TRUSTED.verificationKey().publicKey().getEncoded()));
        DeviceProfile profile = DeviceProfile.forImages(v2.length + 64 * 1024L);
        List<Board> boards = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                String id = "pz-http-" + i;
                String token = "token-of-" + id + "-0123456789";
                ids.add(id);
                Api.registerWithToken(id, token, Map.of("platform", TestReleases.PLATFORM));
                ObjectNode conf = Json.object();
                conf.putObject("update")
                        .put("enable", true)
                        .put("url", base + "/api/v1/device/" + id + "/update")
                        .put("interval", 1)
                        .put("token", token);
                conf.putObject("app").put("interval_ms", 60_000);
                Board b =
                        Board.builder(id)
                                .profile(profile)
                                .rootOfTrust(rot)
                                .factoryImage(v1)
                                .factoryConfig(conf)
                                .seed(i)
                                .tickMillis(20)
                                .build();
                boards.add(b);
                b.start();
            }
            for (Board b : boards) {
                assertThat(b.await(Board::isUp, Duration.ofSeconds(60))).as(b.id()).isTrue();
            }
            Api.staticGroup("pz-all", ids);

            // the manifest is trusted, the app image inside is not: the boards refuse it
            Api.upload("pz-stranger-app", strangerApp);
            Api.deploy(
                    "pz-stranger-dep",
                    "pz-stranger-app",
                    "pz-all",
                    Map.of("phases", List.of(Map.of()), "autoPause", false));
            Api.awaitStatus(
                    "pz-stranger-dep", s -> Api.total(s, "FAILED") == 2, Duration.ofMinutes(2));
            List<Map<String, Object>> ex = Api.executions("pz-stranger-dep");
            assertThat(ex).hasSize(2);
            for (Map<String, Object> e : ex) {
                assertThat((String) e.get("rollbackReason"))
                        .as("refusal of %s", e.get("deviceId"))
                        .startsWith("IMAGE_UNKNOWN_KEY: ");
            }
            for (Board b : boards) {
                assertThat(b.runningVersion()).as(b.id()).isEqualTo("1.0.0");
            }

            // the properly signed bundle commits on every board
            Api.upload("pz-v2", good);
            Api.deploy(
                    "pz-v2-dep",
                    "pz-v2",
                    "pz-all",
                    Map.of("phases", List.of(Map.of()), "autoPause", false));
            var done =
                    Api.awaitStatus(
                            "pz-v2-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofMinutes(2));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(2);
            for (Board b : boards) {
                assertThat(b.await(x -> "2.0.0".equals(x.runningVersion()), Duration.ofSeconds(30)))
                        .as(b.id())
                        .isTrue();
            }
        } finally {
            boards.parallelStream().forEach(Board::close);
        }
    }
}
