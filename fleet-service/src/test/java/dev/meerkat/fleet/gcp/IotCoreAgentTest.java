package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.RegistryName;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleet.TestTokens;
import dev.meerkat.fleet.gcp.bridge.MqttBridge;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Emulated Meerkat boards with the IoT Core agent (JWT signed in their emulated ATECC608) on the
 * bridge: a config carrying the v2 update instruction is installed and committed, a broken image
 * rolls back, and Google's client reads both outcomes with {@code states.list}.
 */
@QuarkusTest
@TestProfile(GcpBridgeProfile.class)
class IotCoreAgentTest {
    private static final int BOARDS = 2;

    @Inject MqttBridge bridge;

    @Test
    void configDeliversV2ToBoardsAndABrokenImageRollsBack() throws Exception {
        HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        try (DeviceManagerClient operator =
                        GcpJavaClientTest.client(TestTokens.token("agent-operator", "operator"));
                IotCoreBoards rig =
                        new IotCoreBoards(
                                operator,
                                RegistryName.of("agent-project", "us-central1", "boards"))) {
            Map<String, byte[]> served = Map.of("/v2.img", rig.v2, "/v2-broken.img", rig.broken);
            images.createContext(
                    "/",
                    x -> {
                        byte[] body = served.get(x.getRequestURI().getPath());
                        if (body == null) {
                            x.sendResponseHeaders(404, -1);
                        } else {
                            x.sendResponseHeaders(200, body.length);
                            x.getResponseBody().write(body);
                        }
                        x.close();
                    });
            images.start();
            String base = "http://127.0.0.1:" + images.getAddress().getPort();
            for (int i = 0; i < BOARDS; i++)
                rig.start("board-" + i, bridge.port().orElseThrow(), i);
            for (int i = 0; i < BOARDS; i++) {
                String id = "board-" + i;
                assertThat(rig.awaitState(id, s -> s.path("running").asText().equals("1.0.0")))
                        .as("%s reports 1.0.0", id)
                        .isTrue();
                operator.modifyCloudToDeviceConfig(
                        rig.name(id),
                        instruction("v2-" + id, base + "/v2.img", "2.0.0", rig.v2.length));
            }
            for (int i = 0; i < BOARDS; i++) {
                String id = "board-" + i;
                assertThat(
                                rig.awaitState(
                                        id,
                                        s ->
                                                s.path("state").asText().equals("committed")
                                                        && s.path("running")
                                                                .asText()
                                                                .equals("2.0.0")))
                        .as("%s committed 2.0.0", id)
                        .isTrue();
                assertThat(rig.latestState(id).path("update").asText()).isEqualTo("v2-" + id);
            }

            operator.modifyCloudToDeviceConfig(
                    rig.name("board-0"),
                    instruction("broken-0", base + "/v2-broken.img", "2.0.1", rig.broken.length));
            assertThat(
                            rig.awaitState(
                                    "board-0", s -> s.path("state").asText().equals("rolled_back")))
                    .isTrue();
            JsonNode rolledBack = rig.latestState("board-0");
            assertThat(rolledBack.path("update").asText()).isEqualTo("broken-0");
            assertThat(rolledBack.path("reason").asText()).isEqualTo("TEST_BOOT_FAULT");
            assertThat(rolledBack.path("running").asText()).isEqualTo("2.0.0");
            assertThat(
                            rig.boards
                                    .get(0)
                                    .await(
                                            x -> "2.0.0".equals(x.runningVersion()),
                                            Duration.ofSeconds(30)))
                    .isTrue();
        } finally {
            images.stop(0);
        }
    }

    private static ByteString instruction(String id, String url, String version, long size) {
        var root = Json.object();
        root.putObject("meerkat_update")
                .put("id", id)
                .put("url", url)
                .put("version", version)
                .put("size", size);
        return ByteString.copyFrom(Json.bytes(root));
    }
}
