package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleetsim.ImageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device against a real Mosquitto with mutual TLS: RPC over MQTT, OTA events, reconnect. */
class MqttMosquittoTest {

    @TempDir Path tmp;

    @Test
    void rpcOverMqttOtaEventsAndReconnect() throws Exception {
        TestPki pki = new TestPki();
        Path brokerDir = Files.createDirectory(tmp.resolve("broker"));
        try (Mosquitto broker = new Mosquitto(pki, brokerDir);
                ImageServer images = new ImageServer(false)) {
            String url = images.put("v2.bin", Fixture.image("v2"));
            Fixture.Events ev = new Fixture.Events();
            Board b = board("dev-mqtt", "cloud=admin,watcher=viewer", pki, broker, ev);
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            try (b) {
                BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
                BlockingQueue<JsonNode> ota = new LinkedBlockingQueue<>();
                connectCloud(cloud, pki);
                cloud.subscribe("cloud/rpc", (t, m) -> replies.add(Json.parse(m.getPayload())));
                cloud.subscribe("dev-mqtt/ota", (t, m) -> ota.add(Json.parse(m.getPayload())));
                b.start();
                awaitConnected(b, ev);

                cloud.subscribe("intruder/rpc", (t, m) -> replies.add(Json.parse(m.getPayload())));
                cloud.subscribe("watcher/rpc", (t, m) -> replies.add(Json.parse(m.getPayload())));
                // a control source whose user the ACL does not allow gets an mg_rpc 403 frame
                cloud.publish(
                        "dev-mqtt/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":5,\"src\":\"watcher\","
                                                + "\"method\":\"Sys.Reboot\"}")),
                        1,
                        false);
                // a source that is not a control source is neither obeyed nor answered
                cloud.publish(
                        "dev-mqtt/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":6,\"src\":\"intruder\","
                                                + "\"method\":\"Config.Set\",\"args\":{\"config\":{\"app\":{\"interval_ms\":5}}}}")),
                        1,
                        false);
                cloud.publish(
                        "dev-mqtt/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":7,\"src\":\"cloud\",\"method\":\"Sys.GetInfo\"}")),
                        1,
                        false);
                JsonNode r = replies.poll(30, TimeUnit.SECONDS);
                assertThat(r).isNotNull();
                assertThat(r.get("id").asInt()).isEqualTo(5);
                assertThat(r.get("dst").asText()).isEqualTo("watcher");
                assertThat(r.get("error").get("code").asInt()).isEqualTo(403);
                r = replies.poll(30, TimeUnit.SECONDS);
                assertThat(r).isNotNull();
                assertThat(r.get("id").asInt()).isEqualTo(7);
                assertThat(r.get("src").asText()).isEqualTo("dev-mqtt");
                assertThat(r.get("dst").asText()).isEqualTo("cloud");
                assertThat(r.get("result").get("fw_version").asText()).isEqualTo("1.0.0");
                assertThat(
                                b.rpc("Config.Get", Fixture.args("{\"key\":\"app.interval_ms\"}"))
                                        .asInt())
                        .isEqualTo(1000);

                cloud.publish(
                        "dev-mqtt/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":8,\"src\":\"cloud\",\"method\":\"No.Such\"}")),
                        1,
                        false);
                r = replies.poll(30, TimeUnit.SECONDS);
                assertThat(r.get("error").get("code").asInt()).isEqualTo(404);

                cloud.publish(
                        "dev-mqtt/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":9,\"src\":\"cloud\","
                                                + "\"method\":\"OTA.Update\",\"args\":{\"url\":\""
                                                + url
                                                + "\",\"commit_timeout\":0}}")),
                        1,
                        false);
                assertThat(replies.poll(30, TimeUnit.SECONDS).has("result")).isTrue();
                JsonNode e;
                boolean committed = false;
                while ((e = ota.poll(60, TimeUnit.SECONDS)) != null) {
                    if (e.path("state").asText().equals("committed")) {
                        committed = true;
                        break;
                    }
                }
                assertThat(committed).as(ev.log.toString()).isTrue();
                assertThat(b.await(Board::isUp, Fixture.WAIT)).isTrue();

                // broker goes away: telemetry queues, the link comes back with backoff
                long connects = b.onDevice(fw -> fw.mqtt().get().connects());
                broker.stop();
                assertThat(
                                b.await(
                                        x -> !x.onDevice(fw -> fw.mqtt().get().isConnected()),
                                        Fixture.WAIT))
                        .isTrue();
                b.advance(java.time.Duration.ofSeconds(5));
                int queued = b.onDevice(fw -> fw.mqtt().get().queued());
                assertThat(queued).isPositive();
                broker.start();
                assertThat(
                                b.await(
                                        x ->
                                                x.onDevice(fw -> fw.mqtt().get().connects())
                                                        > connects,
                                        Fixture.WAIT))
                        .isTrue();
                assertThat(
                                b.await(
                                        x -> x.onDevice(fw -> fw.mqtt().get().queued()) == 0,
                                        Fixture.WAIT))
                        .isTrue();
            } finally {
                if (cloud.isConnected()) {
                    cloud.disconnectForcibly(100);
                }
                cloud.close(true);
            }
        }
    }

    /**
     * A test boot that fails starts its MQTT connection and is reset milliseconds later, with that
     * connection still in its handshake. The reset must hang it up: a connection left to finish
     * would come up with the device's client id beside the rolled-back boot's own, and the broker
     * would hand the session from one to the other (the fleet's OTA.Update/OTA.Status and the
     * outcome event travel on it).
     */
    @Test
    void aFailedTestBootLeavesNoSecondConnectionAndTheRolledBackDeviceAnswers() throws Exception {
        TestPki pki = new TestPki();
        Path brokerDir = Files.createDirectory(tmp.resolve("broker"));
        try (Mosquitto broker = new Mosquitto(pki, brokerDir);
                ImageServer images = new ImageServer(false)) {
            String url = images.put("v2-broken.bin", Fixture.image("v2-broken"));
            Fixture.Events ev = new Fixture.Events();
            Board b = board("dev-rb", "cloud=admin", pki, broker, ev);
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            try (b) {
                BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
                BlockingQueue<JsonNode> ota = new LinkedBlockingQueue<>();
                connectCloud(cloud, pki);
                cloud.subscribe("cloud/rpc", (t, m) -> replies.add(Json.parse(m.getPayload())));
                cloud.subscribe("dev-rb/ota", (t, m) -> ota.add(Json.parse(m.getPayload())));
                b.start();
                awaitConnected(b, ev);
                cloud.publish(
                        "dev-rb/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":1,\"src\":\"cloud\","
                                                + "\"method\":\"OTA.Update\",\"args\":{\"url\":\""
                                                + url
                                                + "\",\"commit_timeout\":0}}")),
                        1,
                        false);
                assertThat(replies.poll(30, TimeUnit.SECONDS).has("result")).isTrue();
                JsonNode e;
                JsonNode outcome = null;
                while ((e = ota.poll(60, TimeUnit.SECONDS)) != null) {
                    String state = e.path("state").asText();
                    if (state.equals("rolled_back") || state.equals("committed")) {
                        outcome = e;
                        break;
                    }
                }
                assertThat(outcome).as(ev.log.toString()).isNotNull();
                assertThat(outcome.path("state").asText()).isEqualTo("rolled_back");
                assertThat(
                                b.await(
                                        x ->
                                                x.isUp()
                                                        && x.onDevice(
                                                                fw ->
                                                                        fw.mqtt()
                                                                                .get()
                                                                                .isConnected()),
                                        Fixture.WAIT))
                        .isTrue();

                // the rolled-back device answers over MQTT (it is subscribed) ...
                cloud.publish(
                        "dev-rb/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":2,\"src\":\"cloud\",\"method\":\"OTA.Status\"}")),
                        1,
                        false);
                JsonNode status = replies.poll(30, TimeUnit.SECONDS);
                assertThat(status).as(ev.log.toString()).isNotNull();
                assertThat(status.get("id").asInt()).isEqualTo(2);
                assertThat(status.has("result")).as(status.toString()).isTrue();

                // ... and the broker never had two connections of the device at once: no
                // connection of the failed test boot came up beside the rolled-back boot's own
                String log = Files.readString(brokerDir.resolve("mosquitto.log"));
                assertThat(log).contains("dev-rb");
                assertThat(log).as(log).doesNotContain("dev-rb already connected");
            } finally {
                if (cloud.isConnected()) {
                    cloud.disconnectForcibly(100);
                }
                cloud.close(true);
            }
        }
    }

    /** A board on v1 with MQTT over mutual TLS to {@code broker}, as device {@code id}. */
    private static Board board(
            String id, String mqttSources, TestPki pki, Mosquitto broker, Fixture.Events ev)
            throws Exception {
        TestPki.Issued device = pki.issue(id, false);
        ObjectNode conf = Json.object();
        conf.putObject("mqtt")
                .put("enable", true)
                .put("server", broker.uri())
                .put("ssl_ca_cert", "ca.pem")
                .put("reconnect_timeout_min", 200)
                .put("reconnect_timeout_max", 1000);
        conf.putObject("rpc").put("mqtt_sources", mqttSources);
        return Board.builder(id)
                .rootOfTrust(Fixture.rot())
                .factoryImage(Fixture.image("v1"))
                .factoryConfig(conf)
                .factoryFile("ca.pem", pki.ca.certPem())
                .listener(ev)
                .tickMillis(5)
                .secureElement(
                        new SoftwareSecureElement(
                                device.keys().getPrivate(), List.of(device.cert()), null))
                .build();
    }

    private static void connectCloud(MqttClient cloud, TestPki pki) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(pki.clientTls(pki.issue("cloud", false)).getSocketFactory());
        cloud.connect(o);
    }

    private static void awaitConnected(Board b, Fixture.Events ev) {
        assertThat(
                        b.await(
                                x -> x.isUp() && x.onDevice(fw -> fw.mqtt().get().isConnected()),
                                Fixture.WAIT))
                .as(ev.log.toString())
                .isTrue();
    }
}
