package dev.meerkat.fleet.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.iot.v1.Device;
import com.google.cloud.iot.v1.DeviceCredential;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceRegistry;
import com.google.cloud.iot.v1.LocationName;
import com.google.cloud.iot.v1.PublicKeyCredential;
import com.google.cloud.iot.v1.PublicKeyFormat;
import com.google.cloud.iot.v1.RegistryName;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.agent.gcp.IotCoreAgent;
import dev.meerkat.firmware.agent.gcp.IotCoreSettings;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleet.TestReleases;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Emulated Meerkat boards, each with an emulated ATECC608 and the IoT Core agent, registered in one
 * registry through Google's client with the public key read from their chip.
 */
final class IotCoreBoards implements AutoCloseable {
    final byte[] v1 = ExampleApps.image("v1", TestReleases.TRUSTED, null, 0);
    final byte[] v2 = ExampleApps.image("v2", TestReleases.TRUSTED, null, 0);
    final byte[] broken = ExampleApps.image("v2-broken", TestReleases.TRUSTED, null, 0);
    final List<Board> boards = new ArrayList<>();
    private final DeviceManagerClient operator;
    private final RegistryName registry;

    IotCoreBoards(DeviceManagerClient operator, RegistryName registry) {
        this.operator = operator;
        this.registry = registry;
        operator.createDeviceRegistry(
                LocationName.of(registry.getProject(), registry.getLocation()),
                DeviceRegistry.newBuilder().setId(registry.getRegistry()).build());
    }

    com.google.cloud.iot.v1.DeviceName name(String id) {
        return com.google.cloud.iot.v1.DeviceName.of(
                registry.getProject(), registry.getLocation(), registry.getRegistry(), id);
    }

    /** Registers {@code id} with its chip's key and starts its board on v1. */
    Board start(String id, int bridgePort, long seed) {
        ChipSecureElement chip = new ChipSecureElement(DeviceChip.emulated(), List.of());
        operator.createDevice(
                registry,
                Device.newBuilder()
                        .setId(id)
                        .addCredentials(
                                DeviceCredential.newBuilder()
                                        .setPublicKey(
                                                PublicKeyCredential.newBuilder()
                                                        .setFormat(PublicKeyFormat.ES256_PEM)
                                                        .setKey(
                                                                GcpKeys.pem(
                                                                        "PUBLIC KEY",
                                                                        chip.identityPublicKey()
                                                                                .getEncoded()))))
                        .build());
        IotCoreSettings settings =
                new IotCoreSettings(
                        "tcp://127.0.0.1:" + bridgePort,
                        Optional.empty(),
                        registry.getProject(),
                        registry.getLocation(),
                        registry.getRegistry(),
                        id,
                        Duration.ofHours(1),
                        Duration.ofMillis(250),
                        Duration.ofSeconds(2));
        Board b =
                Board.builder(id)
                        .profile(
                                DeviceProfile.forImages(
                                        Math.max(v2.length, broken.length) + 64 * 1024L))
                        .rootOfTrust(
                                RootOfTrust.of(
                                        ProvisionedKey.publicKey(
                                                TestReleases.TRUSTED
                                                        .verificationKey()
                                                        .publicKey()
                                                        .getEncoded())))
                        .secureElement(chip)
                        .factoryImage(v1)
                        .factoryConfig(Json.object())
                        .seed(seed)
                        .tickMillis(20)
                        .updateChannel(ota -> new IotCoreAgent(settings, ota))
                        .build();
        boards.add(b);
        b.start();
        return b;
    }

    /** The newest state the device reported, read with Google's client ({@code states.list}). */
    JsonNode latestState(String id) {
        var states = operator.listDeviceStates(name(id)).getDeviceStatesList();
        if (states.isEmpty()) return Json.object();
        return Json.parse(states.get(0).getBinaryData().toByteArray());
    }

    boolean awaitState(String id, Predicate<JsonNode> check) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < end) {
            if (check.test(latestState(id))) return true;
            Thread.sleep(250);
        }
        return false;
    }

    @Override
    public void close() {
        boards.parallelStream().forEach(Board::close);
    }
}
