package dev.meerkat.cli.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.Cli;
import dev.meerkat.firmware.TestCa;
import dev.meerkat.firmware.TlsBroker;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleetsim.ImageServer;
import dev.meerkat.image.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code device run} with its TLS key in an emulated ATECC608, connected to a real Mosquitto with
 * mutual TLS; {@code call}, {@code config}, {@code ota} and {@code console} reach it through the
 * broker.
 */
class MqttDeviceCommandsTest {

    @TempDir Path tmp;

    @Test
    void aChipDeviceBehindAMutualTlsBrokerAnswersTheCommandLine() throws Exception {
        TestCa pki = new TestCa();
        try (TlsBroker broker = new TlsBroker(pki, Files.createDirectory(tmp.resolve("broker")))) {
            Path chip = tmp.resolve("dev.chip");
            PublicKey identity =
                    new ChipSecureElement(DeviceChip.emulated(chip), List.of()).identityPublicKey();
            Path cert =
                    Files.writeString(
                            tmp.resolve("dev-mqtt.pem"), pki.certify("dev-mqtt", identity));
            Path ca = Files.writeString(tmp.resolve("ca.pem"), pki.caPem());
            Path pw = Files.writeString(tmp.resolve("pw"), "mqtt-admin-password\n");
            Path[] operator = pki.issueClient("operator", tmp);
            Path dir = tmp.resolve("dev");
            CompletableFuture<Cli.Run> run =
                    CompletableFuture.supplyAsync(
                            () ->
                                    Cli.run(
                                            "device",
                                            "run",
                                            "--dir",
                                            dir.toString(),
                                            "--id",
                                            "dev-mqtt",
                                            "--http-port",
                                            "0",
                                            "--for",
                                            "40",
                                            "--chip",
                                            chip.toString(),
                                            "--cert",
                                            cert.toString(),
                                            "--broker",
                                            "mqtts://127.0.0.1:" + broker.port(),
                                            "--broker-ca",
                                            ca.toString(),
                                            "--mqtt-source",
                                            "meerkat=admin,watcher=viewer",
                                            "--rpc-password-file",
                                            pw.toString()));
            String port = "mqtts://127.0.0.1:" + broker.port() + "/dev-mqtt";
            String[] tls = {
                "--port",
                port,
                "--ca-cert",
                ca.toString(),
                "--cert",
                operator[0].toString(),
                "--key",
                operator[1].toString()
            };

            Cli.Run info = null;
            for (int i = 0; i < 60 && !run.isDone(); i++) {
                info = Cli.run(with(tls, "call", "Sys.GetInfo", "--timeout", "2"));
                if (info.exitCode() == 0) {
                    break;
                }
            }
            assertThat(info).isNotNull();
            assertThat(info.exitCode())
                    .as(info.err() + (run.isDone() ? run.get().out() + run.get().err() : ""))
                    .isZero();
            assertThat(Json.parse(info.out()).path("id").asText()).isEqualTo("dev-mqtt");

            // Digest in the frames over MQTT: the right password, a wrong one
            Cli.Run get =
                    Cli.run(
                            with(
                                    tls,
                                    "config",
                                    "get",
                                    "mqtt.server",
                                    "--password-file",
                                    pw.toString()));
            assertThat(get.out().strip())
                    .as(get.err())
                    .isEqualTo("ssl://127.0.0.1:" + broker.port());
            Cli.Run wrong =
                    Cli.run(with(tls, "call", "Sys.GetInfo", "--password", "not-the-password"));
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.err().strip())
                    .isEqualTo(
                            "meerkat call: device refused the credentials of user admin (wrong user or password)");
            // a control source mapped to a viewer, and one the device does not listen to
            Cli.Run viewer = Cli.run(with(tls, "call", "Sys.Reboot", "--src", "watcher"));
            assertThat(viewer.exitCode()).isEqualTo(1);
            assertThat(viewer.err())
                    .contains("device refused Sys.Reboot: viewer may not call Sys.Reboot");
            Cli.Run stranger =
                    Cli.run(
                            with(
                                    tls,
                                    "call",
                                    "Sys.GetInfo",
                                    "--src",
                                    "stranger",
                                    "--timeout",
                                    "2"));
            assertThat(stranger.exitCode()).isEqualTo(3);
            assertThat(stranger.err()).contains("is stranger one of its rpc.mqtt_sources?");
            // the broker wants a client certificate
            Cli.Run noCert =
                    Cli.run("call", "Sys.GetInfo", "--port", port, "--ca-cert", ca.toString());
            assertThat(noCert.exitCode()).isEqualTo(3);
            assertThat(noCert.err())
                    .startsWith(
                            "meerkat call: cannot connect to broker ssl://127.0.0.1:"
                                    + broker.port());

            CompletableFuture<Cli.Run> console =
                    CompletableFuture.supplyAsync(
                            () -> Cli.run(with(tls, "console", "--for", "4", "--json-lines")));
            SigningKey key = SigningKey.fromPem(Files.readString(dir.resolve("release.pem")), null);
            try (ImageServer images = new ImageServer(false)) {
                String url = images.put("v2.bin", ExampleApps.image("v2", key, null, 0));
                Cli.Run ota = Cli.run(with(tls, "ota", url, "--wait", "25"));
                assertThat(ota.exitCode()).as(ota.err()).isZero();
                assertThat(ota.out().strip()).isEqualTo("committed 2.0.0; running 2.0.0");
            }
            Cli.Run seen = console.get(30, TimeUnit.SECONDS);
            assertThat(seen.exitCode()).as(seen.err()).isZero();
            List<JsonNode> lines = seen.out().lines().map(Json::parse).toList();
            assertThat(lines)
                    .extracting(l -> l.path("topic").asText())
                    .contains("dev-mqtt/telemetry", "dev-mqtt/ota");
            assertThat(lines).noneMatch(l -> l.path("topic").asText().endsWith("/rpc"));

            Cli.Run httpConsole = Cli.run("console", "--port", "http://127.0.0.1:1");
            assertThat(httpConsole.exitCode()).isEqualTo(2);
            assertThat(httpConsole.err())
                    .contains("console follows what the device publishes over MQTT");

            Cli.Run device = run.get(90, TimeUnit.SECONDS);
            assertThat(device.exitCode()).as(device.err()).isZero();
            assertThat(device.out())
                    .contains("MQTT: " + port + " (mg_rpc on dev-mqtt/rpc)")
                    .contains("RPC password of user admin set from")
                    .doesNotContain("mqtt-admin-password");
        }
    }

    private static String[] with(String[] tls, String... args) {
        String[] r = java.util.Arrays.copyOf(args, args.length + tls.length);
        System.arraycopy(tls, 0, r, args.length, tls.length);
        return r;
    }
}
