package dev.meerkat.fleet;

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
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Emulated Meerkat boards whose firmware polls fleet-service with its deployment agents, two with
 * Mongoose OS's HTTP update check and two with hawkBit DDI, each driving the firmware's one OTA
 * flow: a 2-phase rollout of v2 commits everywhere (one board of each kind loses power in the
 * middle of it); then v2-broken fails its test boot on every board, each rolls back, and the
 * bootloader's reason is stored on its execution.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class PollingAgentsTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void phasedV2CommitsThroughBothAgentsAndV2BrokenRollsBackWithTheReason() throws Exception {
        String base = root.toString().replaceAll("/$", "");
        byte[] v1 = ExampleApps.image("v1", TestReleases.TRUSTED, null, 0);
        byte[] v2 = ExampleApps.image("v2", TestReleases.TRUSTED, null, 0);
        byte[] broken = ExampleApps.image("v2-broken", TestReleases.TRUSTED, null, 0);
        RootOfTrust rot =
                RootOfTrust.of(
                        ProvisionedKey.publicKey(
                                TestReleases.TRUSTED.verificationKey().publicKey().getEncoded()));
        DeviceProfile profile =
                DeviceProfile.forImages(Math.max(v2.length, broken.length) + 64 * 1024L);
        List<Board> boards = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                boolean ddi = i % 2 == 1;
                String id = (ddi ? "ddi-" : "http-") + i;
                String token = "token-of-" + id + "-0123456789";
                ids.add(id);
                as(Api.OPERATOR)
                        .contentType(ContentType.JSON)
                        .body(
                                Map.of(
                                        "id",
                                        id,
                                        "token",
                                        token,
                                        "protocol",
                                        ddi ? "ddi" : "http",
                                        "attributes",
                                        Map.of("platform", "meerkat-sim")))
                        .post("/api/v1/devices")
                        .then()
                        .statusCode(201);
                ObjectNode conf = Json.object();
                if (ddi) {
                    conf.putObject("ddi")
                            .put("enable", true)
                            .put("server", base)
                            .put("token", token);
                } else {
                    conf.putObject("update")
                            .put("enable", true)
                            .put("url", base + "/api/v1/device/" + id + "/update")
                            .put("interval", 1)
                            .put("token", token);
                }
                conf.putObject("ota").put("chunk", 4096).put("checkpoint", 4096);
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
            // one board of each kind loses power a few flash operations into the update
            for (Board b : boards.subList(0, 2)) {
                b.device().power().cutAfter(6);
            }

            Api.upload("pa-v2", v2);
            Api.upload("pa-v2-broken", broken);
            Api.staticGroup("pa-all", ids);
            Api.deploy(
                    "pa-v2-dep",
                    "pa-v2",
                    "pa-all",
                    Map.of(
                            "phases",
                            List.of(Map.of("count", 2), Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            180));
            JsonPath done =
                    Api.awaitStatus(
                            "pa-v2-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofMinutes(3));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(4);
            for (Board b : boards) {
                assertThat(b.await(x -> "2.0.0".equals(x.runningVersion()), Duration.ofSeconds(30)))
                        .as(b.id())
                        .isTrue();
            }
            for (Board b : boards.subList(0, 2)) {
                assertThat(b.boots())
                        .as("%s lost power during the update and still committed", b.id())
                        .isGreaterThanOrEqualTo(3);
            }

            Api.deploy(
                    "pa-broken-dep",
                    "pa-v2-broken",
                    "pa-all",
                    Map.of(
                            "phases",
                            List.of(Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            180));
            Api.awaitStatus(
                    "pa-broken-dep", s -> Api.total(s, "FAILED") == 4, Duration.ofMinutes(3));
            List<Map<String, Object>> ex = Api.executions("pa-broken-dep");
            assertThat(ex).hasSize(4);
            for (Map<String, Object> e : ex) {
                assertThat((String) e.get("rollbackReason"))
                        .as("rollback reason of %s", e.get("deviceId"))
                        .startsWith("TEST_BOOT_FAULT: ");
            }
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
