package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/**
 * Emulated Meerkat devices, unchanged, updated by fleet-service over mg_rpc through Mosquitto with
 * mutual TLS (device certificates of the fleet's CA, ACL on the certificate's identity): a 3-phase
 * rollout of v2 commits everywhere; then v2-broken trips the abort in phase 1, the device that took
 * it rolls back and reports the bootloader's reason, and the queued devices are never told.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class MqttEmulatedDevicesTest {
    static final int DEVICES = 6;

    @Test
    void phasedV2CommitsEverywhereAndV2BrokenIsAbortedInPhaseOne() throws Exception {
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
        MqttClient rogue = null;
        List<String> overheard = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < DEVICES; i++) {
                String id = "mq-" + i;
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
                                        "mqtt",
                                        "attributes",
                                        Map.of("platform", "meerkat-sim")))
                        .post("/api/v1/devices")
                        .then()
                        .statusCode(201);
                ObjectNode conf = Json.object();
                conf.putObject("mqtt")
                        .put("enable", true)
                        .put("server", PostgresS3Resource.mqttUri())
                        .put("ssl_ca_cert", "mqtt-ca.pem")
                        .put("reconnect_timeout_min", 250)
                        .put("reconnect_timeout_max", 2000)
                        .put("queue_max", 16);
                conf.putObject("app").put("interval_ms", 60_000);
                // the fleet service calls as "fleet/<device>"; the device acts on those calls as
                // its admin
                conf.putObject("rpc").put("mqtt_sources", "fleet/" + id + "=admin");
                // the device's identity at the broker: a certificate of the fleet CA, CN = its id
                MqttPki.Issued cert = MqttPki.FLEET.issue(id, false);
                Board b =
                        Board.builder(id)
                                .secureElement(
                                        new SoftwareSecureElement(
                                                cert.keys().getPrivate(),
                                                List.of(cert.cert()),
                                                null))
                                .factoryFile("mqtt-ca.pem", MqttPki.FLEET.caPem())
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
                assertThat(
                                b.await(
                                        x ->
                                                x.isUp()
                                                        && x.onDevice(
                                                                fw ->
                                                                        fw.mqtt()
                                                                                .map(
                                                                                        m ->
                                                                                                m
                                                                                                        .isConnected())
                                                                                .orElse(false)),
                                        Duration.ofSeconds(60)))
                        .as("%s came up", b.id())
                        .isTrue();
            }
            // A device may not listen to another device's commands (the broker's ACL, keyed on the
            // certificate's CN): mq-rogue claims to be mq-1 in its client id and user name.
            rogue = new MqttClient(PostgresS3Resource.mqttUri(), "mq-1", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setUserName("mq-1");
            o.setSocketFactory(
                    MqttPki.clientTls(MqttPki.FLEET.issue("mq-rogue", false)).getSocketFactory());
            rogue.connect(o);
            try {
                rogue.subscribe("mq-1/rpc", 1, (t, m) -> overheard.add(t));
            } catch (org.eclipse.paho.client.mqttv3.MqttException refused) {
                // the broker may refuse the subscription outright instead of filtering what it
                // delivers
            }

            Api.upload("mq-v2", v2);
            Api.upload("mq-v2-broken", broken);
            Api.staticGroup("mq-all", ids);
            Api.deploy(
                    "mq-v2-dep",
                    "mq-v2",
                    "mq-all",
                    Map.of(
                            "phases",
                            List.of(Map.of("count", 1), Map.of("count", 2), Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            120,
                            "abortCriteria",
                            List.of(
                                    Map.of(
                                            "failureType",
                                            "FAILED",
                                            "thresholdPercent",
                                            50,
                                            "minExecuted",
                                            1))));
            JsonPath done =
                    Api.awaitStatus(
                            "mq-v2-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofMinutes(3));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(DEVICES);
            for (Board b : boards) {
                assertThat(b.await(x -> "2.0.0".equals(x.runningVersion()), Duration.ofSeconds(30)))
                        .as(b.id())
                        .isTrue();
            }
            assertThat(overheard).as("commands for mq-1 overheard by another client").isEmpty();

            Api.deploy(
                    "mq-broken-dep",
                    "mq-v2-broken",
                    "mq-all",
                    Map.of(
                            "phases",
                            List.of(Map.of("count", 1), Map.of()),
                            "autoPause",
                            false,
                            "inProgressTimeoutSeconds",
                            120,
                            "abortCriteria",
                            List.of(
                                    Map.of(
                                            "failureType",
                                            "FAILED",
                                            "thresholdPercent",
                                            50,
                                            "minExecuted",
                                            1))));
            JsonPath aborted =
                    Api.awaitStatus(
                            "mq-broken-dep",
                            s -> Api.state(s).equals("ABORTED"),
                            Duration.ofMinutes(3));
            assertThat(Api.total(aborted, "FAILED")).isEqualTo(1);
            assertThat(Api.total(aborted, "CANCELED")).isEqualTo(DEVICES - 1);
            assertThat(aborted.getInt("phases[1].released")).isZero();
            List<Map<String, Object>> ex = Api.executions("mq-broken-dep");
            String victim = null;
            for (Map<String, Object> e : ex) {
                if ("FAILED".equals(e.get("state"))) {
                    victim = (String) e.get("deviceId");
                    assertThat((String) e.get("rollbackReason")).isNotBlank();
                }
            }
            assertThat(victim).isNotNull();
            for (Board b : boards) {
                // The device that took v2-broken reverted to v2; the others never heard of it.
                assertThat(b.await(x -> "2.0.0".equals(x.runningVersion()), Duration.ofSeconds(30)))
                        .as(b.id())
                        .isTrue();
                String last = b.rpc("OTA.Status", null).path("result").path("version").asText();
                if (b.id().equals(victim)) assertThat(last).isEqualTo("2.0.1");
                else assertThat(last).isEqualTo("2.0.0");
            }
        } finally {
            if (rogue != null && rogue.isConnected()) rogue.disconnectForcibly(100);
            boards.parallelStream().forEach(Board::close);
        }
    }

    @Test
    void aDeviceCertificateOfAnotherCaIsRefusedByTheBroker() throws Exception {
        MqttClient c =
                new MqttClient(PostgresS3Resource.mqttUri(), "mq-x", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout(10);
        o.setSocketFactory(
                MqttPki.clientTls(MqttPki.STRANGER.issue("mq-0", false)).getSocketFactory());
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.connect(o))
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
            assertThat(c.isConnected()).isFalse();
            // the same client with a certificate of the fleet CA gets in (the refusal was the CA)
            o.setSocketFactory(
                    MqttPki.clientTls(MqttPki.FLEET.issue("mq-0", false)).getSocketFactory());
            c.connect(o);
            assertThat(c.isConnected()).isTrue();
        } finally {
            if (c.isConnected()) c.disconnectForcibly(100);
            c.close();
        }
    }
}
