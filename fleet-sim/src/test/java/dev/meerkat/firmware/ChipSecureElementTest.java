package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Opcode;
import dev.meerkat.chip.Transport;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleetsim.ImageServer;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device whose keys live in an emulated ATECC608: mutual TLS to a real Mosquitto signed inside
 * the chip, and an ENC_EC256 update whose image key is unwrapped with ECDH inside the chip.
 */
class ChipSecureElementTest {

    @TempDir Path tmp;

    /** Remembers which command opcodes crossed the bus. */
    static final class Bus implements Transport {
        final Transport inner;
        final Set<Integer> opcodes = ConcurrentHashMap.newKeySet();

        Bus(Transport inner) {
            this.inner = inner;
        }

        @Override
        public byte[] sendWake() {
            return inner.sendWake();
        }

        @Override
        public void send(byte[] packet) {
            opcodes.add(packet[1] & 0xFF);
            inner.send(packet);
        }

        @Override
        public byte[] receive() {
            return inner.receive();
        }

        @Override
        public void idle() {
            inner.idle();
        }

        @Override
        public void sleep() {
            inner.sleep();
        }
    }

    private static ChipSecureElement chip(Bus[] bus) {
        EmulatedChip emu = EmulatedChip.fresh(DeviceType.ATECC608);
        bus[0] = new Bus(new EmulatorTransport(emu));
        CryptoChip chip =
                new CryptoChip(bus[0], DeviceType.ATECC608, 3, CryptoChip.Wait.POLL, ms -> {});
        DeviceChip.personalize(chip, emu);
        return new ChipSecureElement(chip, List.of());
    }

    @Test
    void tlsClientAuthAndEncryptedUpdateWithKeysInTheChip() throws Exception {
        TestPki pki = new TestPki();
        Bus[] bus = new Bus[1];
        ChipSecureElement bare = chip(bus);
        X509Certificate cert = pki.issueFor("dev-chip", bare.identityPublicKey());
        ChipSecureElement se = bare.withCertificate(List.of(cert));
        assertThat(se.kind()).isEqualTo("ATECC608");

        byte[] encrypted = ExampleApps.image("v2", Fixture.KEY, se.imageEncryptionKey(), 40 * 1024);
        ImageHeader h = ImageHeader.decode(Arrays.copyOf(encrypted, ImageHeader.SIZE));
        assertThat(h.isEncrypted()).isTrue();
        ParsedImage parsed = ParsedImage.parse(dev.meerkat.image.ImageSource.of(encrypted));
        var enc =
                parsed.tlvs().stream()
                        .filter(e -> e.type() == TlvType.ENC_EC256)
                        .findFirst()
                        .orElseThrow();

        // the image key does not unwrap in another device's chip
        ChipSecureElement other = chip(new Bus[1]);
        assertThatThrownBy(() -> other.unwrapImageKey(enc.tlv(), h.aesKeyLength(), enc.offset()))
                .isInstanceOfSatisfying(
                        ImageFormatException.class,
                        e -> {
                            assertThat(e.problem())
                                    .isEqualTo(ImageFormatException.Problem.BAD_ENCRYPTION);
                            assertThat(e.getMessage()).contains("encrypted for a different key");
                        });
        // and a certificate for another key is refused
        assertThatThrownBy(() -> other.withCertificate(List.of(cert)))
                .isInstanceOf(IllegalArgumentException.class);

        Path brokerDir = Files.createDirectory(tmp.resolve("broker"));
        try (Mosquitto broker = new Mosquitto(pki, brokerDir);
                ImageServer images = new ImageServer(false)) {
            String url = images.put("v2-dev-chip.bin", encrypted);
            ObjectNode conf = Json.object();
            conf.putObject("mqtt")
                    .put("enable", true)
                    .put("server", broker.uri())
                    .put("ssl_ca_cert", "ca.pem");
            conf.putObject("rpc").put("mqtt_sources", "cloud=admin");
            Fixture.Events ev = new Fixture.Events();
            Board b =
                    Board.builder("dev-chip")
                            .rootOfTrust(Fixture.rot())
                            .factoryImage(Fixture.image("v1"))
                            .factoryConfig(conf)
                            .factoryFile("ca.pem", pki.ca.certPem())
                            .listener(ev)
                            .tickMillis(5)
                            .secureElement(se)
                            .build();
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            try (b) {
                BlockingQueue<JsonNode> ota = new LinkedBlockingQueue<>();
                MqttConnectOptions o = new MqttConnectOptions();
                TestPki.Issued cloudId = pki.issue("cloud", false);
                o.setSocketFactory(pki.clientTls(cloudId).getSocketFactory());
                cloud.connect(o);
                cloud.subscribe("dev-chip/ota", (t, m) -> ota.add(Json.parse(m.getPayload())));

                bus[0].opcodes.clear();
                b.start();
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
                        .as(ev.log.toString())
                        .isTrue();
                // the TLS handshake was signed by the chip: Sign crossed the bus, no key was ever
                // read
                assertThat(bus[0].opcodes).contains(Opcode.SIGN).doesNotContain(Opcode.ECDH);
                assertThat(b.rpc("Sys.GetInfo", null).toString()).contains("ATECC608");

                cloud.publish(
                        "dev-chip/rpc",
                        Json.bytes(
                                Fixture.args(
                                        "{\"id\":1,\"src\":\"cloud\","
                                                + "\"method\":\"OTA.Update\",\"args\":{\"url\":\""
                                                + url
                                                + "\",\"commit_timeout\":0}}")),
                        1,
                        false);
                JsonNode e;
                String outcome = null;
                while ((e = ota.poll(60, TimeUnit.SECONDS)) != null) {
                    String s = e.path("state").asText();
                    if (s.equals("committed") || s.equals("failed") || s.equals("rolled_back")) {
                        outcome = s + " " + e;
                        break;
                    }
                }
                assertThat(outcome).as(ev.log.toString()).startsWith("committed");
                assertThat(bus[0].opcodes).contains(Opcode.ECDH);
                assertThat(b.runningVersion()).isEqualTo("2.0.0");
                // after the reboot into v2 the device reconnected with the chip key
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
            } finally {
                if (cloud.isConnected()) {
                    cloud.disconnectForcibly(100);
                }
                cloud.close(true);
            }
        }
    }

    @Test
    void chipStatePersistsPerDevice() throws Exception {
        Path state = tmp.resolve("dev-1.chip");
        ChipSecureElement first = new ChipSecureElement(DeviceChip.emulated(state), List.of());
        ChipSecureElement again = new ChipSecureElement(DeviceChip.emulated(state), List.of());
        ChipSecureElement otherDevice =
                new ChipSecureElement(DeviceChip.emulated(tmp.resolve("dev-2.chip")), List.of());
        assertThat(again.identityPublicKey()).isEqualTo(first.identityPublicKey());
        assertThat(again.chip().publicKey(DeviceChip.IMAGE_KEY_SLOT))
                .isEqualTo(first.chip().publicKey(DeviceChip.IMAGE_KEY_SLOT));
        assertThat(otherDevice.identityPublicKey()).isNotEqualTo(first.identityPublicKey());
        assertThat(Files.readString(state)).contains("config=");
    }
}
