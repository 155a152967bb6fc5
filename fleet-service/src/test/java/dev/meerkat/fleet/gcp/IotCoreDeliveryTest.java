package dev.meerkat.fleet.gcp;

import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.RegistryName;
import dev.meerkat.fleet.Api;
import dev.meerkat.fleet.TestTokens;
import dev.meerkat.fleet.gcp.bridge.MqttBridge;
import dev.meerkat.fleet.gcp.delivery.ConfigDelivery;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fleet-service deployment whose devices are IoT Core devices is delivered as a config update and
 * its outcome comes back through state: a phased v2 commits on every board, v2-broken rolls back in
 * phase 1 with the bootloader's TEST_BOOT_FAULT and aborts the rest.
 */
@QuarkusTest
@TestProfile(GcpBridgeProfile.class)
class IotCoreDeliveryTest {
    /** 3 in the default run; {@code -Dgcp.devices=50} for the 50-device run in docs/gcp.md. */
    private static final int DEVICES = Integer.getInteger("gcp.devices", 3);

    private static final Map<String, Object> ABORT_ON_FAILURE =
            Map.of("failureType", "FAILED", "thresholdPercent", 50, "minExecuted", 1);

    @Inject MqttBridge bridge;

    @Test
    void phasedDeploymentCommitsAndABrokenImageRollsBack() throws Exception {
        RegistryName registry = RegistryName.of("delivery-project", "europe-west1", "plant");
        List<String> ids = new ArrayList<>();
        try (DeviceManagerClient operator =
                        GcpJavaClientTest.client(TestTokens.token("delivery-op", "operator"));
                IotCoreBoards rig = new IotCoreBoards(operator, registry)) {
            for (int i = 0; i < DEVICES; i++) {
                String id = "gd-" + i;
                ids.add(id);
                as(Api.OPERATOR)
                        .contentType(ContentType.JSON)
                        .body(
                                Map.of(
                                        "id",
                                        id,
                                        "token",
                                        "token-of-" + id + "-0123456789",
                                        "protocol",
                                        ConfigDelivery.PROTOCOL,
                                        "attributes",
                                        Map.of(ConfigDelivery.LINK, rig.name(id).toString())))
                        .post("/api/v1/devices")
                        .then()
                        .statusCode(201);
                rig.start(id, bridge.port().orElseThrow(), i);
            }
            for (String id : ids)
                assertThat(rig.awaitState(id, s -> s.path("running").asText().equals("1.0.0")))
                        .as("%s is up on 1.0.0", id)
                        .isTrue();

            Api.upload("gd-v2", rig.v2);
            Api.upload("gd-v2-broken", rig.broken);
            Api.staticGroup("gd-all", ids);
            Api.deploy(
                    "gd-v2-dep",
                    "gd-v2",
                    "gd-all",
                    Map.of(
                            "phases",
                            List.of(Map.of("count", 1), Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            120,
                            "abortCriteria",
                            List.of(ABORT_ON_FAILURE)));
            long deployed = System.nanoTime();
            JsonPath done =
                    Api.awaitStatus(
                            "gd-v2-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofMinutes(3 + DEVICES / 10));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(DEVICES);
            System.out.printf(
                    "IoT Core delivery: %d devices committed v2 in %.1f s%n",
                    DEVICES, (System.nanoTime() - deployed) / 1e9);
            for (String id : ids)
                assertThat(rig.latestState(id).path("running").asText()).isEqualTo("2.0.0");

            Api.deploy(
                    "gd-broken-dep",
                    "gd-v2-broken",
                    "gd-all",
                    Map.of(
                            "phases",
                            List.of(Map.of("count", 1), Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            120,
                            "abortCriteria",
                            List.of(ABORT_ON_FAILURE)));
            JsonPath aborted =
                    Api.awaitStatus(
                            "gd-broken-dep",
                            s -> Api.state(s).equals("ABORTED"),
                            Duration.ofMinutes(3 + DEVICES / 10));
            assertThat(Api.total(aborted, "FAILED")).isEqualTo(1);
            assertThat(Api.total(aborted, "CANCELED")).isEqualTo(DEVICES - 1);
            List<Map<String, Object>> executions = Api.executions("gd-broken-dep");
            String victim = null;
            for (Map<String, Object> e : executions) {
                if ("FAILED".equals(e.get("state"))) {
                    victim = (String) e.get("deviceId");
                    assertThat((String) e.get("rollbackReason")).startsWith("TEST_BOOT_FAULT");
                }
            }
            assertThat(victim).isNotNull();
            JsonNode state = rig.latestState(victim);
            assertThat(state.path("state").asText()).isEqualTo("rolled_back");
            assertThat(state.path("reason").asText()).isEqualTo("TEST_BOOT_FAULT");
            assertThat(state.path("running").asText()).isEqualTo("2.0.0");
        }
    }
}
