package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.app.App;
import dev.meerkat.firmware.app.AppBundle;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.config.ConfigException;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.examples.TelemetrySensor;
import dev.meerkat.firmware.fs.MemoryFileStore;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.mqtt.Backoff;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.PowerSupply;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.KeyType;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RuntimeTest {

    private static ObjectNode defaults() {
        return (ObjectNode)
                Json.parse(
                        "{\"wifi\":{\"ssid\":\"\",\"pass\":\"\"},\"app\":{\"n\":1,\"on\":false}}");
    }

    @Test
    void configLayersTypesSecretsAndAtomicSave() {
        PowerSupply power = new PowerSupply(3);
        MemoryFileStore fs = new MemoryFileStore(power);
        fs.write("conf1.json", Json.bytes(Json.parse("{\"app\":{\"n\":5},\"gone\":1}")));
        Config c = new Config(defaults(), fs);
        assertThat(c.getInt("app.n")).isEqualTo(5);
        assertThat(c.warnings()).anyMatch(w -> w.contains("gone"));
        c.set(Json.parse("{\"wifi\":{\"ssid\":\"home\",\"pass\":\"s3cret\"},\"app\":{\"n\":7}}"));
        assertThat(c.get("", true).toString()).doesNotContain("s3cret").contains("home");
        assertThatThrownBy(() -> c.get("wifi.pass", true)).isInstanceOf(ConfigException.class);
        assertThat(c.getString("wifi.pass")).isEqualTo("s3cret");
        assertThatThrownBy(() -> c.set(Json.parse("{\"app\":{\"n\":\"x\"}}")))
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> c.set(Json.parse("{\"app\":{\"nope\":1}}")))
                .hasMessageContaining("no config key");
        assertThat(c.getInt("app.n")).isEqualTo(7);
        c.save();
        assertThat(new Config(defaults(), fs).getInt("app.n")).isEqualTo(7);
        // a power cut during the next save leaves the previous file whole
        c.set(Json.parse("{\"app\":{\"n\":8}}"));
        for (int cut = 0; cut < 2; cut++) {
            power.cutAfter(cut);
            assertThatThrownBy(c::save).isInstanceOf(PowerLossException.class);
            power.restore();
            assertThat(new Config(defaults(), fs).getInt("app.n")).isEqualTo(7);
        }
        c.save();
        assertThat(new Config(defaults(), fs).getInt("app.n")).isEqualTo(8);
    }

    @Test
    void bundleClassesLoadInTheirOwnLoader() throws Exception {
        AppBundle b = AppBundle.fromJar(ExampleApps.bundle("v1", 0).toJar());
        assertThat(b.entry()).isEqualTo(TelemetrySensor.class.getName());
        App app = b.instantiate(getClass().getClassLoader());
        assertThat(app.getClass()).isNotSameAs(TelemetrySensor.class);
        assertThat(app.getClass().getClassLoader()).isNotSameAs(getClass().getClassLoader());
        assertThat(b.files()).containsKey("README.txt");
        assertThatThrownBy(() -> AppBundle.fromJar(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backoffGrowsWithJitterWithinBounds() {
        Backoff b = new Backoff(100, 2000, new Random(1));
        long prevMax = 0;
        for (int i = 0; i < 10; i++) {
            long step = Math.min(2000, 100L << i);
            long d = b.nextDelayMillis();
            assertThat(d).isBetween(step / 2, step);
            prevMax = Math.max(prevMax, d);
        }
        b.reset();
        assertThat(b.nextDelayMillis()).isLessThanOrEqualTo(100);
    }

    @Test
    void httpRpcConfigFsAndChunkedEncryptedUpdate() throws Exception {
        DecryptionKey devKey = DecryptionKey.generate(KeyType.ECDSA_P256);
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Fixture.Events ev = new Fixture.Events();
        try (Board b =
                Fixture.board("dev-http", ev)
                        .factoryConfig(conf)
                        .secureElement(new SoftwareSecureElement(null, List.of(), devKey))
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + b.httpPort() + "/rpc/";
            DigestClient admin = new DigestClient("admin", Fixture.PASSWORD);
            HttpResponse<String> r = admin.post(http, base + "Sys.GetInfo", "");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("id").asText()).isEqualTo("dev-http");
            r = admin.post(http, base + "Nope", "");
            assertThat(r.statusCode()).isEqualTo(404);
            r =
                    admin.post(
                            http,
                            base.substring(0, base.length() - 1),
                            "{\"id\":3,\"src\":\"me\",\"method\":\"Config.Get\",\"args\":{\"key\":\"app\"}}");
            JsonNode frame = Json.parse(r.body());
            assertThat(frame.get("id").asInt()).isEqualTo(3);
            assertThat(frame.get("dst").asText()).isEqualTo("me");
            assertThat(frame.get("result").get("interval_ms").asInt()).isEqualTo(1000);

            b.rpc(
                    "Config.Set",
                    Fixture.args("{\"config\":{\"app\":{\"interval_ms\":250}},\"save\":true}"));
            assertThat(b.rpc("Config.Get", Fixture.args("{\"key\":\"app.interval_ms\"}")).asInt())
                    .isEqualTo(250);
            assertThatThrownBy(() -> b.rpc("Config.Get", Fixture.args("{\"key\":\"mqtt.pass\"}")))
                    .isInstanceOf(RpcException.class);
            assertThatThrownBy(() -> b.rpc("FS.Get", Fixture.args("{\"filename\":\"conf9.json\"}")))
                    .hasMessageContaining("secrets");
            b.rpc(
                    "FS.Put",
                    Fixture.args(
                            "{\"filename\":\"note.txt\",\"data\":\""
                                    + Base64.getEncoder().encodeToString("hello".getBytes())
                                    + "\"}"));
            assertThat(b.rpc("FS.List", null).toString()).contains("note.txt");
            assertThat(
                            new String(
                                    Base64.getDecoder()
                                            .decode(
                                                    b.rpc(
                                                                    "FS.Get",
                                                                    Fixture.args(
                                                                            "{\"filename\":\"note.txt\"}"))
                                                            .get("data")
                                                            .asText())))
                    .isEqualTo("hello");
            b.rpc("FS.Remove", Fixture.args("{\"filename\":\"note.txt\"}"));
            assertThat(b.rpc("FS.List", null).toString()).doesNotContain("note.txt");

            // an encrypted v2 uploaded in chunks over RPC
            byte[] img = ExampleApps.image("v2", Fixture.KEY, devKey.encryptionKey(), 20_000);
            b.rpc("OTA.Begin", Fixture.args("{\"size\":" + img.length + ",\"commit_timeout\":0}"));
            for (int off = 0; off < img.length; off += 3000) {
                byte[] part =
                        java.util.Arrays.copyOfRange(img, off, Math.min(img.length, off + 3000));
                b.rpc(
                        "OTA.Write",
                        Fixture.args(
                                "{\"data\":\"" + Base64.getEncoder().encodeToString(part) + "\"}"));
            }
            b.rpc("OTA.End", null);
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
            // the user's setting survived the update; v2's new key has its default
            assertThat(b.rpc("Config.Get", Fixture.args("{\"key\":\"app\"}")).toString())
                    .contains("\"interval_ms\":250")
                    .contains("\"unit\":\"C\"");
        }
    }
}
